package io.github.iipservlet.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.iipservlet.codec.WebpDecoder;
import io.github.iipservlet.codec.Zstd;
import io.github.iipservlet.testsupport.Chunks;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.NativeEncoders;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffPatch;
import io.github.iipservlet.testsupport.TiffWriter;
import io.github.iipservlet.testsupport.TiffWriter.Compression;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zstd- and WebP-compressed TIFF through every protocol (docs/protocols.md 9.2): lossless files
 * answer byte for byte as a Deflate file of the same pixels does, and stored WebP tiles are passed
 * through to WebP output (`WTL`, IIIF `.webp`) at the default quality, with the ICC profile
 * inserted, never an edge tile. Files written through the system libzstd and libwebp.
 */
class WebpZstdTiffServedTest {
    @TempDir
    static Path tmp;
    static TestServer server;
    static String iip;
    static Path images;
    static final byte[] SRGB = ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(NativeEncoders.available() && Zstd.available() && WebpDecoder.available());
        images = Files.createDirectories(tmp.resolve("images"));
        for (Compression c : new Compression[] {Compression.DEFLATE, Compression.ZSTD, Compression.WEBP}) {
            TiffWriter.builder().size(700, 500).levels(3).compression(c).predictor(c == Compression.WEBP ? 1 : 2)
                    .webpQuality(-1).photometric(TiffWriter.Photometric.RGB)
                    .write(images.resolve(c.name().toLowerCase() + ".tif"));
        }
        TiffWriter.builder().size(700, 500).levels(3).compression(Compression.WEBP).webpQuality(80)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("lossy.tif"));
        TiffWriter.builder().size(700, 500).levels(3).compression(Compression.WEBP).webpQuality(80)
                .photometric(TiffWriter.Photometric.RGB).iccProfile(SRGB).write(images.resolve("icc.tif"));
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/"));
        iip = server.iipUrl() + "?";
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static Http.Reply ok(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), url + ": " + r.text());
        return r;
    }

    @Test
    void losslessFilesAnswerAsDeflateDoes() throws Exception {
        List<String> queries = List.of("FIF=%s&JTL=2,1", "FIF=%s&JTL=2,5", "FIF=%s&JTL=0,0", "FIF=%s&PTL=1,1",
                "FIF=%s&RGN=0.1,0.2,0.5,0.6&WID=300&CVT=png", "FIF=%s&WID=256&CVT=jpeg",
                "DeepZoom=%s_files/10/1_1.jpg", "Zoomify=%s/TileGroup0/2-2-1.jpg");
        for (String name : new String[] {"zstd.tif", "webp.tif"}) {
            for (String q : queries) {
                assertArrayEquals(ok(iip + q.formatted("deflate.tif")).body(), ok(iip + q.formatted(name)).body(),
                        name + " " + q);
            }
            assertArrayEquals(ok(server.baseUrl() + "/iiif/deflate.tif/100,50,400,300/200,/0/default.png").body(),
                    ok(server.baseUrl() + "/iiif/" + name + "/100,50,400,300/200,/0/default.png").body(), name);
        }
    }

    @Test
    void storedWebpTilesArePassedThrough() throws Exception {
        TiffPatch lossy = TiffPatch.of(images.resolve("lossy.tif"));
        for (int tile : new int[] {0, 1}) {
            byte[] stored = lossy.tile(0, tile);
            Http.Reply r = ok(iip + "FIF=lossy.tif&WTL=2," + tile);
            assertEquals("image/webp", r.contentType());
            assertArrayEquals(stored, r.body(), "WTL tile " + tile);
            assertArrayEquals(stored, ok(server.baseUrl() + "/iiif/lossy.tif/" + 256 * tile + ",0,256,256/256,/0/"
                    + "default.webp").body(), "IIIF tile " + tile);
            assertArrayEquals(stored, ok(iip + "FIF=lossy.tif&CVT=webp&JTL=2," + tile).body());
        }
        // Another quality, an edge tile (padded by the writer), processing: decoded and encoded.
        assertFalse(java.util.Arrays.equals(lossy.tile(0, 1), ok(iip + "FIF=lossy.tif&QLT=90&WTL=2,1").body()));
        BufferedImage edge = Chunks.decode(ok(iip + "FIF=lossy.tif&WTL=2,2").body(), Chunks.WEBP);
        assertEquals("188x256", edge.getWidth() + "x" + edge.getHeight());
        assertFalse(java.util.Arrays.equals(lossy.tile(0, 0), ok(iip + "FIF=lossy.tif&INV&WTL=2,0").body()));
        // JPEG output of a WebP tile is decoded, never the WebP bytes.
        assertEquals("image/jpeg", ok(iip + "FIF=lossy.tif&JTL=2,1").contentType());
    }

    @Test
    void passedThroughWebpTilesGetTheIccProfile() throws Exception {
        byte[] stored = TiffPatch.of(images.resolve("icc.tif")).tile(0, 1);
        List<Chunks.Chunk> sent = Chunks.webp(ok(iip + "FIF=icc.tif&WTL=2,1").body());
        List<Chunks.Chunk> original = Chunks.webp(stored);
        assertEquals(List.of("VP8X", "ICCP", "VP8 "), sent.stream().map(Chunks.Chunk::type).toList());
        assertEquals(0x20, sent.get(0).data()[0] & 0xff, "the ICC flag only");
        assertArrayEquals(SRGB, sent.get(1).data());
        assertEquals("VP8 ", original.get(0).type());
        assertArrayEquals(original.get(0).data(), sent.get(2).data(), "the image data is the stored tile's");
        BufferedImage decoded = Chunks.decode(ok(iip + "FIF=icc.tif&WTL=2,1").body(), Chunks.WEBP);
        assertEquals(256, decoded.getWidth());
    }
}
