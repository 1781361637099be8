package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /health and the cache flush (iipsrv's SIGHUP as POST /flush). */
class OperationsTest {
    @TempDir
    Path dir;

    private TestServer server(Map<String, String> extra) throws Exception {
        TiffWriter.builder().size(600, 400).tile(256, 256).channels(3).pixels((x, y, c) -> (x + y * c) % 256)
                .write(dir.resolve("ops.tif"));
        java.util.HashMap<String, String> config = new java.util.HashMap<>(extra);
        config.put("FILESYSTEM_PREFIX", dir + "/");
        return TestServer.start(config);
    }

    @Test
    void healthCountsRendersAndCacheHits() throws Exception {
        try (TestServer s = server(Map.of())) {
            String before = s.health();
            assertTrue(before.contains("\"status\":\"ok\""), before);
            assertTrue(before.contains("\"memcached\":null"), before);
            assertTrue(before.matches("(?s).*\"jpeg2000Decoder\":\"(OpenJPEG|JJ2000).*"), before);
            assertTrue(before.matches("(?s).*\"outputFingerprint\":\"[0-9a-f]{12}\".*"), before);
            assertTrue(TestServer.healthNumber(before, "uptimeSeconds") >= 0);
            long renders = TestServer.healthNumber(before, "renders");
            assertEquals(200, Http.get(s.iipUrl() + "?FIF=ops.tif&JTL=1,0").status());
            assertEquals(200, Http.get(s.iipUrl() + "?FIF=ops.tif&JTL=1,0").status());
            String after = s.health();
            assertEquals(renders + 1, TestServer.healthNumber(after, "renders"), "the second request came from the tile store");
            assertTrue(after.matches("(?s).*\"tier\":\"ehcache\",\"entries\":1,\"bytes\":[1-9]\\d*,\"hits\":1,"
                    + "\"misses\":1,\"hitRatio\":0\\.5000,\"reachable\":true.*"), after);
            assertEquals(1, TestServer.healthNumber(after, "openImages"));
        }
    }

    @Test
    void flushIsOffUnlessConfigured() throws Exception {
        try (TestServer s = server(Map.of())) {
            assertEquals(404, Http.send("POST", s.baseUrl() + "/flush", "").status());
        }
    }

    @Test
    void flushNeedsTheSecretAndEmptiesTheCaches() throws Exception {
        try (TestServer s = server(Map.of("FLUSH_SECRET", "s3cret-value"))) {
            assertEquals(200, Http.get(s.iipUrl() + "?FIF=ops.tif&JTL=1,1").status());
            long renders = TestServer.healthNumber(s.health(), "renders");
            assertEquals(403, Http.send("POST", s.baseUrl() + "/flush", "").status());
            assertEquals(403, Http.send("POST", s.baseUrl() + "/flush", "", "Authorization", "Bearer s3cret").status());
            assertEquals(403, Http.send("POST", s.baseUrl() + "/flush", "", "X-Flush-Secret", "s3cret-valuex").status());
            assertEquals(405, Http.get(s.baseUrl() + "/flush").status());
            // Refused flushes emptied nothing: the tile is still stored.
            assertEquals(200, Http.get(s.iipUrl() + "?FIF=ops.tif&JTL=1,1").status());
            assertEquals(renders, TestServer.healthNumber(s.health(), "renders"));
            Http.Reply ok = Http.send("POST", s.baseUrl() + "/flush", "", "Authorization", "Bearer s3cret-value");
            assertEquals(200, ok.status());
            assertEquals("{\"flushed\":true,\"openImages\":1}\n", ok.text());
            String h = s.health();
            assertEquals(0, TestServer.healthNumber(h, "openImages"));
            assertTrue(h.contains("\"tier\":\"ehcache\",\"entries\":0,"), h);
            assertEquals(200, Http.get(s.iipUrl() + "?FIF=ops.tif&JTL=1,1").status());
            assertEquals(renders + 1, TestServer.healthNumber(s.health(), "renders"), "rendered again after the flush");
            assertEquals(200, Http.send("POST", s.baseUrl() + "/flush", "", "X-Flush-Secret", "s3cret-value").status());
        }
    }
}
