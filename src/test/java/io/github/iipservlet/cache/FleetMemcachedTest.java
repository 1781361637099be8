package io.github.iipservlet.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Memcached;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet sharing one real memcached (docs/operations.md "Several servers sharing memcached"):
 * servers that see the same files under different folders share entries. Needs the memcached
 * binary: the {@code external} profile.
 */
@Tag("external")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetMemcachedTest {
    @TempDir
    Path tmp;
    private Memcached memcached;

    @BeforeAll
    void start() throws Exception {
        memcached = Memcached.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (memcached != null) {
            memcached.close();
        }
    }

    /** A server on these images with these settings, sharing the test's memcached. */
    private TestServer server(Path images, String... settings) throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put("FILESYSTEM_PREFIX", images + "/");
        config.put("MEMCACHED_SERVERS", memcached.address());
        config.put("MEMCACHED_WAIT", "500");
        for (int i = 0; i < settings.length; i += 2) {
            config.put(settings[i], settings[i + 1]);
        }
        return TestServer.start(config);
    }

    private static long renders(TestServer s) throws Exception {
        return TestServer.healthNumber(s.health(), "renders");
    }

    private static byte[] ok(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), url + ": " + (r.status() == 200 ? "" : r.text()));
        return r.body();
    }

    /**
     * One NFS share mounted at two paths: the same file, with the same size and modification time,
     * under two FILESYSTEM_PREFIX folders. A tile the first server rendered is a memcached hit for
     * the second, which does not render it.
     */
    @Test
    void serversSeeingTheSameFilesUnderDifferentFoldersShareEntries() throws Exception {
        Path mountA = Files.createDirectories(tmp.resolve("mount-a/maps"));
        Path mountB = Files.createDirectories(tmp.resolve("mount-b/maps"));
        TiffWriter.builder().size(1200, 900).tile(256, 256).channels(3)
                .pixels((x, y, c) -> c == 0 ? x % 256 : c == 1 ? y % 256 : (x * y) % 256)
                .write(mountA.resolve("shared.tif"));
        Files.copy(mountA.resolve("shared.tif"), mountB.resolve("shared.tif"), StandardCopyOption.COPY_ATTRIBUTES);
        try (TestServer a = server(mountA.getParent()); TestServer b = server(mountB.getParent())) {
            String query = "?FIF=maps/shared.tif&JTL=2,3";
            long sets = memcached.stat("cmd_set");
            byte[] fromA = ok(a.iipUrl() + query);
            memcached.awaitSet(sets);
            long hits = memcached.stat("get_hits");
            long bRenders = renders(b);
            byte[] fromB = ok(b.iipUrl() + query);
            assertEquals(hits + 1, memcached.stat("get_hits"), "memcached answered the second server");
            assertEquals(bRenders, renders(b), "the second server did not render");
            assertArrayEquals(fromA, fromB);
        }
    }
}
