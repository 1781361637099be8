package io.github.iipservlet.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Memcached;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Two webapp instances (two contexts in two Jetty servers) sharing one real memcached (Debian's
 * {@code memcached}, run by the test on a free port): what one renders the other serves without
 * rendering, whatever the protocol; and memcached killed under load costs no request. Needs the
 * memcached binary: the {@code external} profile, which {@code .ci/run} enables.
 */
@Tag("external")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedMemcachedTest {
    private Path images;
    private Memcached memcached;
    private TestServer first;
    private TestServer second;

    @BeforeAll
    void start() throws Exception {
        images = Files.createTempDirectory("memcached-test");
        TiffWriter.builder().size(2000, 1500).tile(256, 256).channels(3)
                .pixels((x, y, c) -> c == 0 ? x % 256 : c == 1 ? y % 256 : (x + y) % 256)
                .write(images.resolve("shared.tif"));
        memcached = Memcached.start();
        Map<String, String> config = new HashMap<>();
        config.put("FILESYSTEM_PREFIX", images + "/");
        config.put("MEMCACHED_SERVERS", memcached.address());
        config.put("MEMCACHED_WAIT", "200");
        first = TestServer.start(config);
        second = TestServer.start(config);
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {first, second, memcached}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static long renders(TestServer s) throws Exception {
        return TestServer.healthNumber(s.health(), "renders");
    }

    private static byte[] ok(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), url + ": " + (r.status() == 200 ? "" : r.text()));
        return r.body();
    }

    @Test
    void aTileRenderedByOneServerIsServedByTheOtherWithoutRendering() throws Exception {
        long hitsBefore = memcached.stat("get_hits");
        long firstRenders = renders(first);
        long secondRenders = renders(second);
        long sets = memcached.stat("cmd_set");
        byte[] rendered = ok(first.iipUrl() + "?FIF=shared.tif&CNT=1.2&JTL=3,5");
        assertEquals(firstRenders + 1, renders(first), "the first server rendered it");
        memcached.awaitSet(sets);
        byte[] served = ok(second.iipUrl() + "?FIF=shared.tif&CNT=1.2&JTL=3,5");
        assertArrayEquals(rendered, served);
        assertEquals(secondRenders, renders(second), "the second server did not render");
        assertEquals(hitsBefore + 1, memcached.stat("get_hits"), "memcached answered the second server");
        String h = second.health();
        assertTrue(h.contains("\"tier\":\"memcached\""), h);
        assertTrue(h.contains("\"status\":\"ok\""), h);
    }

    @Test
    void theKeyIsTheViewSoOtherProtocolsShareIt() throws Exception {
        // A DeepZoom tile rendered by the first server is the same view as JTL on the second (level
        // 0 of a 4-level pyramid at 2000x1500: DeepZoom level 11, resolution 3).
        long secondRenders = renders(second);
        long hitsBefore = memcached.stat("get_hits");
        long sets = memcached.stat("cmd_set");
        byte[] dz = ok(first.iipUrl() + "?DeepZoom=shared.tif_files/11/2_3.jpg");
        memcached.awaitSet(sets);
        byte[] jtl = ok(second.iipUrl() + "?FIF=shared.tif&JTL=3," + (3 * 8 + 2));
        assertArrayEquals(dz, jtl);
        assertEquals(secondRenders, renders(second));
        assertEquals(hitsBefore + 1, memcached.stat("get_hits"));
    }

    @Test
    void memcachedKilledUnderLoadCostsNoRequestAndIsUsedAgainWhenBack() throws Exception {
        AtomicLong failed = new AtomicLong();
        AtomicLong done = new AtomicLong();
        AtomicLong slowest = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(6);
        List<Future<?>> work = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            int client = c;
            work.add(clients.submit(() -> {
                // Views nobody asked for yet (a new quality each round), so every request goes to memcached.
                for (int i = 0; running.get(); i++) {
                    TestServer s = (i + client) % 2 == 0 ? first : second;
                    String url = s.iipUrl() + "?FIF=shared.tif&QLT=" + (10 + (i * 6 + client) % 90) + "&JTL=3,"
                            + (i * 7 + client) % 48;
                    long t0 = System.nanoTime();
                    try {
                        Http.Reply r = Http.get(url);
                        if (r.status() != 200 || !"image/jpeg".equals(r.contentType())) {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                    slowest.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
                    done.incrementAndGet();
                }
                return null;
            }));
        }
        Thread.sleep(1500);
        memcached.kill();
        long atKill = done.get();
        Thread.sleep(3000);
        running.set(false);
        for (Future<?> f : work) {
            f.get(60, TimeUnit.SECONDS);
        }
        clients.shutdown();
        System.out.printf("memcached killed under load: %d requests (%d before the kill), %d failed, slowest %d ms%n",
                done.get(), atKill, failed.get(), slowest.get());
        assertEquals(0, failed.get(), "failed requests of " + done.get());
        assertTrue(done.get() > atKill + 20, "requests went on after the kill: " + atKill + " then " + done.get());
        assertTrue(slowest.get() < 2000, "slowest request " + slowest.get() + " ms");
        // Both servers notice and say so, then use memcached again once it is back.
        ok(first.iipUrl() + "?FIF=shared.tif&QLT=99&JTL=2,1");
        assertTrue(first.health().contains("\"status\":\"degraded\""), first.health());
        memcached.restart();
        long deadline = System.currentTimeMillis() + 20_000;
        while (!first.health().contains("\"status\":\"ok\"") && System.currentTimeMillis() < deadline) {
            ok(first.iipUrl() + "?FIF=shared.tif&QLT=98&JTL=2,1");
            Thread.sleep(200);
        }
        assertTrue(first.health().contains("\"status\":\"ok\""), first.health());
        deadline = System.currentTimeMillis() + 20_000;
        while (!second.health().contains("\"status\":\"ok\"") && System.currentTimeMillis() < deadline) {
            ok(second.iipUrl() + "?FIF=shared.tif&QLT=97&JTL=2,1");
            Thread.sleep(200);
        }
        assertTrue(second.health().contains("\"status\":\"ok\""), second.health());
        long sets = memcached.stat("cmd_set");
        byte[] rendered = ok(first.iipUrl() + "?FIF=shared.tif&QLT=33&JTL=2,2");
        memcached.awaitSet(sets);
        long secondRenders = renders(second);
        assertArrayEquals(rendered, ok(second.iipUrl() + "?FIF=shared.tif&QLT=33&JTL=2,2"));
        assertEquals(secondRenders, renders(second), "memcached serves the second server again");
    }

    @Test
    void aServerStartedWhileMemcachedIsDownServesAndUsesItOnceItComes() throws Exception {
        int laterPort = Memcached.freePort();
        Map<String, String> config = new HashMap<>();
        config.put("FILESYSTEM_PREFIX", images + "/");
        config.put("MEMCACHED_SERVERS", "127.0.0.1:" + laterPort);
        Memcached later = null;
        try (TestServer alone = TestServer.start(config)) {
            long t0 = System.nanoTime();
            ok(alone.iipUrl() + "?FIF=shared.tif&JTL=3,1");
            ok(alone.iipUrl() + "?FIF=shared.tif&JTL=3,2");
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 2000, "two tiles without memcached");
            assertTrue(alone.health().contains("\"status\":\"degraded\""), alone.health());
            later = Memcached.start(laterPort);
            long deadline = System.currentTimeMillis() + 20_000;
            while (!alone.health().contains("\"status\":\"ok\"") && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(alone.health().contains("\"status\":\"ok\""), alone.health());
            long sets = later.stat("cmd_set");
            ok(alone.iipUrl() + "?FIF=shared.tif&JTL=3,3");
            later.awaitSet(sets);
        } finally {
            if (later != null) {
                later.close();
            }
        }
    }
}
