package io.github.iipservlet.protocol.iip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What one request may make the server do: render only what it sends, within a bounded number of commands. */
class RequestBoundsTest {
    @TempDir
    static Path dir;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(dir.resolve("a.tif"));
        TiffWriter.builder().size(4000, 3000).levels(1).photometric(TiffWriter.Photometric.RGB)
                .pixels((x, y, c) -> (x ^ y) + c * 40 & 255).write(dir.resolve("big.tif"));
        // One render thread: renders take long enough to leave in the middle of.
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", dir + "/", "MAX_IMAGE_CACHE_SIZE", "0",
                "OMP_NUM_THREADS", "1"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static long renders() throws Exception {
        return TestServer.healthNumber(server.health(), "renders");
    }

    /** The group repeated 20 times rendered all 20 and sent the last: now only the last is rendered. */
    @Test
    void onlyTheOutputSentIsRendered() throws Exception {
        StringBuilder q = new StringBuilder("FIF=a.tif");
        for (int i = 1; i <= 20; i++) {
            q.append("&RGN=0,0,1,1&WID=").append(100 + i * 10).append("&CVT=jpeg");
        }
        q.append("&JTL=1,0&WID=333&CVT=png");
        long before = renders();
        Http.Reply r = Http.get(server.iipUrl() + "?" + q);
        assertEquals(200, r.status());
        assertEquals("image/png", r.contentType());
        assertEquals(333, r.image().getWidth());
        assertEquals(before + 1, renders());
        // An earlier output of another image is still sent when it is the last one.
        Http.Reply tile = Http.get(server.iipUrl() + "?FIF=a.tif&JTL=0,0&FIF=a.tif&OBJ=Max-size&FIF=missing.tif");
        assertEquals(404, tile.status());
        Http.Reply earlier = Http.get(server.iipUrl() + "?FIF=a.tif&WID=50&CVT=jpeg&FIF=a.tif");
        assertEquals(200, earlier.status());
        assertEquals(50, earlier.image().getWidth());
    }

    @Test
    void aRequestHoldsAtMost64Commands() throws Exception {
        StringBuilder q = new StringBuilder("FIF=a.tif");
        for (int i = 1; i < 63; i++) {
            q.append("&QLT=").append(50 + i % 40);
        }
        assertEquals(200, Http.get(server.iipUrl() + "?" + q + "&CVT=jpeg").status());
        Http.Reply tooMany = Http.get(server.iipUrl() + "?" + q + "&WID=100&CVT=jpeg");
        assertEquals(400, tooMany.status());
        assertEquals("Too many commands: at most 64 in one request", tooMany.text());
        // A POST body is a request string like any other: 64 KB of commands is refused before any runs.
        StringBuilder body = new StringBuilder("FIF=a.tif");
        while (body.length() < 60_000) {
            body.append("&RGN=0,0,1,1&WID=2000&CVT=png");
        }
        long before = renders();
        Http.Reply post = Http.send("POST", server.iipUrl(), body.toString(), "Content-Type",
                "application/x-www-form-urlencoded");
        assertEquals(400, post.status());
        assertEquals(before, renders());
        assertTrue(post.text().startsWith("Too many commands"));
        // Beyond 64 KB a body is not a request string at all (it used to get the banner page and a 200).
        Http.Reply huge = Http.send("POST", server.iipUrl(), "FIF=a.tif&" + "x".repeat(70_000), "Content-Type",
                "application/x-www-form-urlencoded");
        assertEquals(413, huge.status());
    }

    /**
     * A client that asks for a long render and closes its connection: the render stops between
     * bands instead of running to the end for nobody, and the server answers the next client at
     * once.
     */
    @Test
    void aRenderStopsWhenItsClientHasGone() throws Exception {
        String query = "FIF=big.tif&WID=4000&CNV=sobel&SHD=30,30&GAM=1.5&CVT=png";
        long full = System.nanoTime();
        assertEquals(200, Http.get(server.iipUrl() + "?" + query + "&QLT=1").status());
        long fullMillis = (System.nanoTime() - full) / 1_000_000;
        long abandoned = TestServer.healthNumber(server.health(), "abandonedRenders");
        long closedAt;
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", server.port())) {
            client.getOutputStream().write(("GET /fcgi-bin/iipsrv.fcgi?" + query + "&QLT=2 HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            Thread.sleep(fullMillis / 4);
            closedAt = System.nanoTime();
        }
        while (TestServer.healthNumber(server.health(), "abandonedRenders") == abandoned) {
            assertTrue(System.nanoTime() - closedAt < 10_000_000_000L, "the render was not stopped");
            Thread.sleep(20);
        }
        long stoppedAfter = (System.nanoTime() - closedAt) / 1_000_000;
        System.out.println("a render of " + fullMillis + " ms stopped " + stoppedAfter + " ms after its client left");
        assertTrue(stoppedAfter < fullMillis, "stopped " + stoppedAfter + " ms after the client left; a whole render "
                + "takes " + fullMillis + " ms");
    }
}
