package io.github.iipservlet.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Memcached;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
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
 * servers that see the same files under different folders share entries, and servers whose
 * settings give other bytes for the same view never receive each other's (their output
 * fingerprints differ, docs/architecture.md 2.6). Needs the memcached binary: the {@code external}
 * profile.
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
            assertEquals(fingerprint(a), fingerprint(b));
        }
    }

    /**
     * Asks server A, then B, for the same view, A's render reaching memcached first; B's reply must
     * be what B renders with no cache at all (a third server with B's settings, no tile store, no
     * memcached), and differ from A's.
     */
    private void neverServesTheOther(Path images, String query, String[] settingsA, String[] settingsB)
            throws Exception {
        String[] uncached = Arrays.copyOf(settingsB, settingsB.length + 4);
        uncached[settingsB.length] = "MAX_IMAGE_CACHE_SIZE";
        uncached[settingsB.length + 1] = "0";
        uncached[settingsB.length + 2] = "MEMCACHED_SERVERS";
        uncached[settingsB.length + 3] = "";
        try (TestServer a = server(images, settingsA); TestServer b = server(images, settingsB);
                TestServer alone = server(images, uncached)) {
            long sets = memcached.stat("cmd_set");
            byte[] fromA = ok(a.iipUrl() + query);
            memcached.awaitSet(sets);
            byte[] fromB = ok(b.iipUrl() + query);
            byte[] rendered = ok(alone.iipUrl() + query);
            assertArrayEquals(rendered, fromB, "B answered with its own render");
            assertFalse(Arrays.equals(fromA, fromB), "the setting changes the bytes");
            assertNotEquals(fingerprint(a), fingerprint(b), "/health tells the two apart");
            assertEquals(fingerprint(b), fingerprint(alone), "the tile store's settings are not part of it");
        }
    }

    /** The output fingerprint /health shows. */
    private static String fingerprint(TestServer s) throws Exception {
        String health = s.health();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"outputFingerprint\":\"([0-9a-f]{12})\"")
                .matcher(health);
        assertTrue(m.find(), health);
        return m.group(1);
    }

    /** MAX_ICC=0 never embeds the image's profile; the default embeds a profile of a few KB. */
    @Test
    void serversWithDifferentMaxIccNeverServeEachOthersBytes() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("icc"));
        TiffWriter.builder().size(600, 400).tile(256, 256).channels(3)
                .iccProfile(ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData())
                .pixels((x, y, c) -> (x * (c + 1) + y) % 256).write(images.resolve("profiled.tif"));
        neverServesTheOther(images, "?FIF=profiled.tif&JTL=1,0", new String[] {"MAX_ICC", "0"}, new String[] {});
    }

    /** Nearest neighbour (INTERPOLATION=0) against bilinear (the default) for a resized region. */
    @Test
    void serversWithDifferentInterpolationNeverServeEachOthersBytes() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("interpolation"));
        TiffWriter.builder().size(900, 700).tile(256, 256).channels(3)
                .pixels((x, y, c) -> (x * 37 + y * 11 * (c + 1)) % 256).write(images.resolve("texture.tif"));
        neverServesTheOther(images, "?FIF=texture.tif&WID=333&HEI=259&CVT=jpeg", new String[] {"INTERPOLATION", "0"},
                new String[] {"INTERPOLATION", "1"});
    }
}
