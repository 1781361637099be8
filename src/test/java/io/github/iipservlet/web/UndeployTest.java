package io.github.iipservlet.web;

import io.github.iipservlet.protocol.Services;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.codec.TurboJpeg;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stopped webapp leaves no codec handle and no native memory behind. */
class UndeployTest {

    @Test
    void stoppingTheWebappFreesItsNativeCodecs(@TempDir Path dir) throws Exception {
        assumeTrue(TurboJpeg.available());
        TiffWriter.builder().size(1280, 1024).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(dir.resolve("a.tif"));
        TiffWriter.builder().size(1280, 1024).compression(TiffWriter.Compression.DEFLATE).predictor(2)
                .photometric(TiffWriter.Photometric.RGB).write(dir.resolve("b.tif"));
        TestServer server = TestServer.start(Map.of("FILESYSTEM_PREFIX", dir + "/", "MAX_IMAGE_CACHE_SIZE", "0"));
        NativeCodecs codecs;
        try {
            for (String q : new String[] {"FIF=a.tif&RGN=0,0,1,1&CVT=jpeg", "FIF=b.tif&RGN=0,0,1,1&CVT=jpeg",
                "FIF=a.tif&WID=300&CVT=jpeg", "FIF=b.tif&JTL=2,1"}) {
                assertEquals(200, Http.get(server.iipUrl() + "?" + q).status(), q);
            }
            String health = server.health();
            assertTrue(TestServer.healthNumber(health, "handles") > 0, health);
            assertTrue(TestServer.healthNumber(health, "bytes") > 0, health);
            codecs = ((Services) server.contextAttribute(Services.ATTRIBUTE)).codecs();
        } finally {
            server.close();
        }
        assertEquals(new NativeCodecs.Stats(0, 0, 0), codecs.stats());
    }
}
