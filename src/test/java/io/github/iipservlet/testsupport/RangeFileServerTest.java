package io.github.iipservlet.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP origin of remote-source tests: ranges, validators, latency, counters, a required header, restart. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RangeFileServerTest {
    @TempDir
    Path dir;
    private byte[] data;
    private RangeFileServer server;

    @BeforeEach
    void start() throws Exception {
        data = new byte[200_000];
        new Random(7).nextBytes(data);
        Files.write(dir.resolve("image.tif"), data);
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/other.bin"), Arrays.copyOf(data, 1000));
        server = new RangeFileServer(dir);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private String url(String path) {
        return server.uri().resolve(path).toString();
    }

    @Test
    void servesSingleRangesWithValidators() throws Exception {
        Http.Reply r = Http.get(url("image.tif"), "Range", "bytes=1000-1999");
        assertEquals(206, r.status());
        assertEquals("bytes 1000-1999/200000", r.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(data, 1000, 2000), r.body());
        assertEquals("bytes", r.header("Accept-Ranges"));
        String etag = r.header("ETag");
        assertNotNull(etag);
        assertTrue(etag.startsWith("\"") && etag.endsWith("\""), "a strong ETag: " + etag);
        assertNotNull(r.header("Last-Modified"));

        Http.Reply open = Http.get(url("image.tif"), "Range", "bytes=199990-");
        assertEquals(206, open.status());
        assertArrayEquals(Arrays.copyOfRange(data, 199990, 200000), open.body());
        Http.Reply suffix = Http.get(url("image.tif"), "Range", "bytes=-16");
        assertEquals(206, suffix.status());
        assertEquals("bytes 199984-199999/200000", suffix.header("Content-Range"));
        Http.Reply clipped = Http.get(url("image.tif"), "Range", "bytes=199000-999999");
        assertEquals(206, clipped.status());
        assertEquals("bytes 199000-199999/200000", clipped.header("Content-Range"));

        Http.Reply whole = Http.get(url("sub/other.bin"));
        assertEquals(200, whole.status());
        assertEquals(1000, whole.body().length);
        assertEquals("1000", whole.header("Content-Length"));
    }

    @Test
    void badRangesAre416() throws Exception {
        Http.Reply past = Http.get(url("image.tif"), "Range", "bytes=300000-300010");
        assertEquals(416, past.status());
        assertEquals("bytes */200000", past.header("Content-Range"));
        // RFC 9110 would ignore this invalid range (200); Jetty answers 416.
        assertEquals(416, Http.get(url("image.tif"), "Range", "bytes=20-10").status());
    }

    @Test
    void conditionalRequests() throws Exception {
        Http.Reply first = Http.get(url("image.tif"), "Range", "bytes=0-99");
        String etag = first.header("ETag");
        assertEquals(304, Http.get(url("image.tif"), "If-None-Match", etag).status());
        assertEquals(304, Http.send("HEAD", url("image.tif"), null, "If-None-Match", etag).status());
        assertEquals(304, Http.get(url("image.tif"), "If-None-Match", etag, "Range", "bytes=0-9").status());
        assertEquals(200, Http.get(url("image.tif"), "If-None-Match", "\"something-else\"").status());
        assertEquals(304, Http.get(url("image.tif"), "If-Modified-Since", first.header("Last-Modified")).status());
        // If-Range: the range while the file is unchanged, the whole file when it is not.
        assertEquals(206, Http.get(url("image.tif"), "If-Range", etag, "Range", "bytes=0-9").status());
        Http.Reply stale = Http.get(url("image.tif"), "If-Range", "\"stale\"", "Range", "bytes=0-9");
        assertEquals(200, stale.status());
        assertEquals(data.length, stale.body().length);

        // A replaced file has a new ETag at once (no content cache in front of the folder).
        byte[] changed = data.clone();
        changed[0]++;
        Files.write(dir.resolve("image.tif"), changed);
        Files.setLastModifiedTime(dir.resolve("image.tif"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Http.Reply now = Http.get(url("image.tif"), "If-None-Match", etag, "Range", "bytes=0-0");
        assertEquals(206, now.status());
        assertNotEquals(etag, now.header("ETag"));
        assertEquals(changed[0], now.body()[0]);
    }

    @Test
    void missingFilesAndOtherMethods() throws Exception {
        assertEquals(404, Http.get(url("nope.tif")).status());
        assertEquals(405, Http.send("POST", url("image.tif"), "x").status());
        assertEquals(403, Http.get(url("sub/")).status(), "no folder listings");
    }

    @Test
    void countsRequestsRangedGetsAndBytes() throws Exception {
        Http.get(url("image.tif"), "Range", "bytes=0-99");
        server.resetCounters();
        assertEquals(0, server.requests());
        Http.get(url("image.tif"), "Range", "bytes=0-99");
        Http.get(url("image.tif"), "Range", "bytes=100-299");
        Http.get(url("sub/other.bin"));
        Http.send("HEAD", url("image.tif"), null);
        assertEquals(4, server.requests());
        assertEquals(3, server.requests("GET"));
        assertEquals(1, server.requests("HEAD"));
        assertEquals(0, server.requests("PUT"));
        assertEquals(2, server.rangedGets());
        assertEquals(100 + 200 + 1000, server.bytesSent(), "a HEAD sends no body");

        Http.Reply json = Http.get(url("__counters"));
        assertEquals(200, json.status());
        assertEquals("application/json", json.contentType());
        String expected = "{\"requests\":4,\"GET\":3,\"HEAD\":1,\"rangedGets\":2,\"bytesSent\":1300,\"denied\":0}";
        assertEquals(expected, json.text().trim());
        assertEquals(expected, Http.get(url("__counters?reset")).text().trim(), "the counters are not counted");
        assertEquals(0, server.requests());
        assertEquals(0, server.rangedGets());
    }

    @Test
    void addsLatencyToEveryRequest() throws Exception {
        Http.get(url("image.tif"), "Range", "bytes=0-9"); // connection and class loading
        server.latency(Duration.ofMillis(80));
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertEquals(206, Http.get(url("image.tif"), "Range", "bytes=0-9").status());
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 240, "3 requests at 80 ms took " + ms + " ms");
        long c0 = System.nanoTime();
        Http.get(url("__counters"));
        assertTrue((System.nanoTime() - c0) / 1_000_000 < 80, "the counters are not delayed");
        server.latency(Duration.ZERO);
        long t1 = System.nanoTime();
        Http.get(url("image.tif"), "Range", "bytes=0-9");
        assertTrue((System.nanoTime() - t1) / 1_000_000 < 80, "latency off again");
    }

    @Test
    void requiresTheConfiguredHeader() throws Exception {
        server.requireHeader("Authorization", "Bearer s3cret");
        Http.Reply without = Http.get(url("image.tif"), "Range", "bytes=0-9");
        assertEquals(403, without.status());
        assertEquals(403, Http.get(url("image.tif"), "Authorization", "Bearer wrong").status());
        Http.Reply with = Http.get(url("image.tif"), "Range", "bytes=0-9", "Authorization", "Bearer s3cret");
        assertEquals(206, with.status());
        assertArrayEquals(Arrays.copyOf(data, 10), with.body());
        assertEquals(2, server.denied());
        assertEquals(200, Http.get(url("__counters")).status(), "the counters need no header");
        server.requireHeader(null, null);
        assertEquals(206, Http.get(url("image.tif"), "Range", "bytes=0-9").status());
    }

    @Test
    void stopsAndStartsAgainOnTheSamePort() throws Exception {
        int port = server.port();
        assertEquals(206, fresh(url("image.tif")));
        server.stop();
        assertTrue(!server.isRunning());
        assertThrows(ConnectException.class, () -> fresh(url("image.tif")));
        server.stop(); // twice: nothing
        server.start();
        assertEquals(port, server.port());
        assertEquals(206, fresh(url("image.tif")));
        assertEquals(2, server.rangedGets(), "counters survive a restart");
    }

    /** A ranged GET on a new client each time, so no pooled connection outlives a stop. */
    private static int fresh(String url) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(url)).header("Range", "bytes=0-9")
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        return r.statusCode();
    }
}
