package io.github.iipservlet.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.config.ServerConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The output fingerprint (docs/architecture.md 2.6): every setting that changes the bytes of a
 * given view changes it, no other setting does, and every configuration variable is one or the
 * other.
 */
class OutputFingerprintTest {
    private static final Map<String, String> LIBRARIES = Map.of("libturbojpeg", "libturbojpeg.so.0.2.0 sha256:aa",
            "libdeflate", "none", "zlib", "libz.so.1.2.13 sha256:bb");

    /** Each setting that changes a view's bytes, with a value other than its default. */
    private static final Map<String, String> CHANGING = Map.of("JPEG_QUALITY", "90", "WEBP_QUALITY", "80", "CODEC_PASSTHROUGH", "0",
            "INTERPOLATION", "0", "MAX_ICC", "0", "EMBED_ICC", "0", "COPYRIGHT", "All rights reserved",
            "MAX_LAYERS", "3", "AVIF_CODEC", "1");

    /** Settings that leave a view's bytes as they are (docs/operations.md "Several servers sharing memcached"). */
    private static final Set<String> UNRELATED = Set.of("VERBOSITY", "LOGFILE", "MAX_IMAGE_CACHE_SIZE",
            "MAX_METADATA_CACHE_SIZE", "MAX_IMAGE_METADATA_CACHE_SIZE", "FILESYSTEM_PREFIX", "FILESYSTEM_SUFFIX",
            "FILENAME_PATTERN", "PNG_QUALITY", "AVIF_QUALITY", "TIFF_COMPRESSION",
            "TIFF_QUALITY", "MAX_CVT", "ALLOW_UPSCALING", "WATERMARK", "WATERMARK_PROBABILITY", "WATERMARK_OPACITY",
            "MEMCACHED_SERVERS", "MEMCACHED_TIMEOUT", "MEMCACHED_WAIT", "CORS", "BASE_URL", "CACHE_CONTROL",
            "URI_MAP", "KAKADU_READMODE", "IIIF_VERSION", "IIIF_DELIMITER", "IIIF_EXTRA_INFO", "IIIF_EXTENSIONS",
            "DECODER_MODULES", "OMP_NUM_THREADS", "JPEG2000_DECODER", "FLUSH_SECRET", "FLUSH_ROLE",
            "TRUSTED_PROXIES", "METRICS", "S3_ENDPOINT", "S3_REGION", "S3_PATH_STYLE", "REMOTE_CACHE_DIR",
            "REMOTE_CACHE_SIZE", "REMOTE_METADATA_TTL", "REMOTE_TIMEOUT", "REMOTE_CONNECTIONS", "REMOTE_HTTP_HEADER",
            "RASTER_CACHE_SIZE", "ACCESS_RULES", "ACCESS_RULES_FILE", "ACCESS_ORIGINS", "ACCESS_LABEL",
            "ACCESS_HEADING", "ACCESS_NOTE", "ACCESS_CONFIRM_LABEL", "ACCESS_LOGOUT_LABEL", "ACCESS_DENIED_HEADING",
            "ACCESS_DENIED_NOTE");

    private static String of(Map<String, String> settings) {
        return OutputFingerprint.of(ServerConfig.from(settings::get), "iip-servlet/1.0", "OpenJPEG 2.5.0 (libopenjp2)",
                LIBRARIES).hex();
    }

    @Test
    void everyConfigurationVariableIsDecided() {
        Set<String> decided = new TreeSet<>(UNRELATED);
        decided.addAll(CHANGING.keySet());
        assertEquals(new TreeSet<>(ServerConfig.NAMES), decided,
                "a new variable: does it change the bytes of a given view? (docs/architecture.md 6.7)");
    }

    @Test
    void eachSettingThatChangesBytesChangesIt() {
        String defaults = of(Map.of());
        assertTrue(defaults.matches("[0-9a-f]{12}"), defaults);
        for (Map.Entry<String, String> e : CHANGING.entrySet()) {
            assertNotEquals(defaults, of(Map.of(e.getKey(), e.getValue())), e.getKey());
        }
    }

    @Test
    void noOtherSettingChangesIt() {
        String defaults = of(Map.of());
        Map<String, String> all = new HashMap<>();
        for (String name : UNRELATED) {
            all.put(name, name.equals("JPEG2000_DECODER") ? "jj2000" : "3");
            assertEquals(defaults, of(Map.of(name, all.get(name))), name);
        }
        assertEquals(defaults, of(all), "all of them at once");
    }

    @Test
    void valuesThatActAlikeGiveTheSameFingerprint() {
        assertEquals(of(Map.of()), of(Map.of("INTERPOLATION", "2")), "any non-zero INTERPOLATION is bilinear");
        assertEquals(of(Map.of("MAX_LAYERS", "-1")), of(Map.of("MAX_LAYERS", "-7")), "any negative: all layers");
        assertEquals(of(Map.of("MAX_ICC", "0")), of(Map.of("EMBED_ICC", "0")), "EMBED_ICC=0 is MAX_ICC=0");
    }

    @Test
    void theVersionTheJpeg2000DecoderAndTheNativeLibrariesChangeIt() {
        ServerConfig config = ServerConfig.defaults();
        String base = OutputFingerprint.of(config, "iip-servlet/1.0", "OpenJPEG 2.5.0 (libopenjp2)", LIBRARIES).hex();
        assertNotEquals(base,
                OutputFingerprint.of(config, "iip-servlet/1.1", "OpenJPEG 2.5.0 (libopenjp2)", LIBRARIES).hex());
        assertNotEquals(base, OutputFingerprint.of(config, "iip-servlet/1.0", "OpenJPEG 2.5.3 (libopenjp2)",
                LIBRARIES).hex());
        assertNotEquals(base, OutputFingerprint.of(config, "iip-servlet/1.0",
                "JJ2000 (jai-imageio-jpeg2000, pure Java)", LIBRARIES).hex());
        for (String library : LIBRARIES.keySet()) {
            Map<String, String> other = new HashMap<>(LIBRARIES);
            other.put(library, "other.so sha256:cc");
            assertNotEquals(base, OutputFingerprint.of(config, "iip-servlet/1.0", "OpenJPEG 2.5.0 (libopenjp2)",
                    other).hex(), library);
        }
    }

    @Test
    void rightsTextCannotPassForAnotherSetting() {
        // Without escaping, this COPYRIGHT would read as COPYRIGHT=a plus a second CODEC_PASSTHROUGH.
        OutputFingerprint f = OutputFingerprint.of(ServerConfig.from(Map.of("COPYRIGHT", "a;CODEC_PASSTHROUGH=0")::get),
                "v", "d", Map.of());
        assertTrue(f.canonical().contains("COPYRIGHT=a\\;CODEC_PASSTHROUGH=0;"), f.canonical());
    }

    @Test
    void thisMachinesLibrariesAreNamed() {
        String canonical = OutputFingerprint.of(ServerConfig.defaults(), "v", "d").canonical();
        assertTrue(canonical.matches(".*libavif=[^;]+;.*libdeflate=[^;]+;.*libturbojpeg=[^;]+;.*zlib=[^;]+;.*"),
                canonical);
    }
}
