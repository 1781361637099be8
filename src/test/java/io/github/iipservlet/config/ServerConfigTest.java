package io.github.iipservlet.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

    @Test
    void defaultsAreIipsrvs() {
        ServerConfig c = ServerConfig.defaults();
        assertEquals(75, c.jpegQuality);
        assertEquals(5000, c.maxCvt);
        assertEquals(10 * 1_024_000L, c.maxImageCacheBytes);
        assertEquals(1000, c.maxMetadataCacheSize);
        assertEquals("max-age=86400", c.cacheControl);
        assertEquals(65536, c.maxIcc);
        assertTrue(c.codecPassthrough);
        assertTrue(c.allowUpscaling);
        assertEquals(3, c.iiifVersion);
        assertEquals("", c.memcachedServers);
        assertTrue(c.warnings().isEmpty());
    }

    @Test
    void clampsAndWarnsNamingTheValueUsed() {
        ServerConfig c = ServerConfig.from(Map.of("JPEG_QUALITY", "150", "MAX_CVT", "-1", "PNG_QUALITY", "x",
                "IIIF_VERSION", "0", "TIFF_COMPRESSION", "9")::get);
        assertEquals(100, c.jpegQuality);
        assertEquals(Integer.MAX_VALUE, c.maxCvt);
        assertEquals(0, c.pngQuality);
        assertEquals(3, c.iiifVersion);
        assertEquals(0, c.tiffCompression);
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("JPEG_QUALITY") && w.contains("using 100")));
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("PNG_QUALITY='x'")));
    }

    @Test
    void maxCvtZeroMeansDefaultAndBelowMinusOneMeansOne() {
        assertEquals(5000, ServerConfig.from(Map.of("MAX_CVT", "0")::get).maxCvt);
        assertEquals(1, ServerConfig.from(Map.of("MAX_CVT", "-7")::get).maxCvt);
    }

    @Test
    void deprecatedNamesStillWork() {
        ServerConfig c = ServerConfig.from(Map.of("EMBED_ICC", "0", "MAX_IMAGE_METADATA_CACHE_SIZE", "5")::get);
        assertEquals(0, c.maxIcc);
        assertEquals(5, c.maxMetadataCacheSize);
        assertEquals(2, c.warnings().size());
        ServerConfig both = ServerConfig.from(Map.of("EMBED_ICC", "0", "MAX_ICC", "100")::get);
        assertEquals(100, both.maxIcc);
    }

    @Test
    void cacheSizeZeroDisables() {
        ServerConfig c = ServerConfig.from(Map.of("MAX_IMAGE_CACHE_SIZE", "0", "CODEC_PASSTHROUGH", "0")::get);
        assertEquals(0, c.maxImageCacheBytes);
        assertFalse(c.codecPassthrough);
    }

    @Test
    void theFlushSecretIsUsedButNeverShownInTheStartUpValues() {
        ServerConfig c = ServerConfig.from(Map.of("FLUSH_SECRET", "hunter2-long", "MEMCACHED_WAIT", "0")::get);
        assertEquals("hunter2-long", c.flushSecret);
        assertEquals(1, c.memcachedWait);
        org.junit.jupiter.api.Assertions.assertFalse(c.effectiveValues().toString().contains("hunter2"),
                c.effectiveValues().toString());
    }

    /** docs/operations.md "Metrics": off unless set, 1 open, anything else a role. */
    @Test
    void metricsIsOffOpenOrARole() {
        assertFalse(ServerConfig.defaults().metricsOn());
        assertFalse(ServerConfig.from(Map.of("METRICS", "0")::get).metricsOn());
        assertFalse(ServerConfig.from(Map.of("METRICS", " ")::get).metricsOn());
        ServerConfig open = ServerConfig.from(Map.of("METRICS", "1")::get);
        assertTrue(open.metricsOn());
        assertEquals(null, open.metricsRole());
        ServerConfig role = ServerConfig.from(Map.of("METRICS", "metrics-reader")::get);
        assertTrue(role.metricsOn());
        assertEquals("metrics-reader", role.metricsRole());
        assertTrue(ServerConfig.NAMES.contains("METRICS"));
        assertEquals("metrics-reader", role.effectiveValues().get("METRICS"));
    }
}
