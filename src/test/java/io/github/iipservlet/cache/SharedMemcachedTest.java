package io.github.iipservlet.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
    private int port;
    private Process memcached;
    private TestServer first;
    private TestServer second;

    @BeforeAll
    void start() throws Exception {
        images = Files.createTempDirectory("memcached-test");
        TiffWriter.builder().size(2000, 1500).tile(256, 256).channels(3)
                .pixels((x, y, c) -> c == 0 ? x % 256 : c == 1 ? y % 256 : (x + y) % 256)
                .write(images.resolve("shared.tif"));
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        memcached = startMemcached(port);
        Map<String, String> config = new HashMap<>();
        config.put("FILESYSTEM_PREFIX", images + "/");
        config.put("MEMCACHED_SERVERS", "127.0.0.1:" + port);
        config.put("MEMCACHED_WAIT", "200");
        first = TestServer.start(config);
        second = TestServer.start(config);
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {first, second}) {
            if (c != null) {
                c.close();
            }
        }
        if (memcached != null) {
            memcached.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process startMemcached(int port) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("memcached", "-l", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "0", "-m", "64"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "root")); // memcached refuses to run as root without it
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("memcached did not start on port " + port);
    }

    /** memcached's own counters ("stats" in the text protocol, which the server also speaks). */
    private long memcachedStat(String name) throws IOException {
        return memcachedStat(port, name);
    }

    private static long memcachedStat(int port, String name) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write("stats\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null && !line.equals("END"); line = in.readLine()) {
                String[] f = line.split(" ");
                if (f.length == 3 && f[1].equals(name)) {
                    return Long.parseLong(f[2]);
                }
            }
        }
        throw new IllegalStateException("no memcached stat " + name);
    }

    /**
     * Waits until memcached has taken a set more than {@code before}: a server writes a render to
     * memcached after answering (spymemcached queues the set), so a second server asked at once
     * could otherwise come before the entry.
     */
    private static void awaitSet(int port, long before) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        while (memcachedStat(port, "cmd_set") <= before && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(memcachedStat(port, "cmd_set") > before, "the render was written to memcached");
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
        long hitsBefore = memcachedStat("get_hits");
        long firstRenders = renders(first);
        long secondRenders = renders(second);
        long sets = memcachedStat("cmd_set");
        byte[] rendered = ok(first.iipUrl() + "?FIF=shared.tif&CNT=1.2&JTL=3,5");
        assertEquals(firstRenders + 1, renders(first), "the first server rendered it");
        awaitSet(port, sets);
        byte[] served = ok(second.iipUrl() + "?FIF=shared.tif&CNT=1.2&JTL=3,5");
        assertArrayEquals(rendered, served);
        assertEquals(secondRenders, renders(second), "the second server did not render");
        assertEquals(hitsBefore + 1, memcachedStat("get_hits"), "memcached answered the second server");
        String h = second.health();
        assertTrue(h.contains("\"tier\":\"memcached\""), h);
        assertTrue(h.contains("\"status\":\"ok\""), h);
    }

    @Test
    void theKeyIsTheViewSoOtherProtocolsShareIt() throws Exception {
        // A DeepZoom tile rendered by the first server is the same view as JTL on the second (level
        // 0 of a 4-level pyramid at 2000x1500: DeepZoom level 11, resolution 3).
        long secondRenders = renders(second);
        long hitsBefore = memcachedStat("get_hits");
        long sets = memcachedStat("cmd_set");
        byte[] dz = ok(first.iipUrl() + "?DeepZoom=shared.tif_files/11/2_3.jpg");
        awaitSet(port, sets);
        byte[] jtl = ok(second.iipUrl() + "?FIF=shared.tif&JTL=3," + (3 * 8 + 2));
        assertArrayEquals(dz, jtl);
        assertEquals(secondRenders, renders(second));
        assertEquals(hitsBefore + 1, memcachedStat("get_hits"));
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
        memcached.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
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
        memcached = startMemcached(port);
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
        long sets = memcachedStat("cmd_set");
        byte[] rendered = ok(first.iipUrl() + "?FIF=shared.tif&QLT=33&JTL=2,2");
        awaitSet(port, sets);
        long secondRenders = renders(second);
        assertArrayEquals(rendered, ok(second.iipUrl() + "?FIF=shared.tif&QLT=33&JTL=2,2"));
        assertEquals(secondRenders, renders(second), "memcached serves the second server again");
    }

    @Test
    void aServerStartedWhileMemcachedIsDownServesAndUsesItOnceItComes() throws Exception {
        int laterPort;
        try (ServerSocket s = new ServerSocket(0)) {
            laterPort = s.getLocalPort();
        }
        Map<String, String> config = new HashMap<>();
        config.put("FILESYSTEM_PREFIX", images + "/");
        config.put("MEMCACHED_SERVERS", "127.0.0.1:" + laterPort);
        Process later = null;
        try (TestServer alone = TestServer.start(config)) {
            long t0 = System.nanoTime();
            ok(alone.iipUrl() + "?FIF=shared.tif&JTL=3,1");
            ok(alone.iipUrl() + "?FIF=shared.tif&JTL=3,2");
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 2000, "two tiles without memcached");
            assertTrue(alone.health().contains("\"status\":\"degraded\""), alone.health());
            later = startMemcached(laterPort);
            long deadline = System.currentTimeMillis() + 20_000;
            while (!alone.health().contains("\"status\":\"ok\"") && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(alone.health().contains("\"status\":\"ok\""), alone.health());
            long sets = memcachedStat(laterPort, "cmd_set");
            ok(alone.iipUrl() + "?FIF=shared.tif&JTL=3,3");
            awaitSet(laterPort, sets);
        } finally {
            if (later != null) {
                later.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
