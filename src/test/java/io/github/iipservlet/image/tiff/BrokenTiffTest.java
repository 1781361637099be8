package io.github.iipservlet.image.tiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffPatch;
import io.github.iipservlet.testsupport.TiffWriter;
import io.github.iipservlet.testsupport.TiffWriter.Compression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged TIFF files through a real server: each is answered as damaged in its protocol's form,
 * and none changes what any other request gets. Every request renders afresh (no tile store) on
 * two render threads, so pooled codec state and buffers are shared between requests as in
 * production.
 */
class BrokenTiffTest {
    @TempDir
    static Path dir;
    private static TestServer server;

    /** Healthy renders that use libjpeg-turbo and libdeflate handles and pooled native buffers. */
    private static final List<String> HEALTHY = List.of(
            "FIF=jpeg.tif&WID=700&CVT=jpeg",
            "FIF=jpeg.tif&RGN=0,0,1,1&CVT=jpeg",
            "FIF=deflate.tif&RGN=0,0,1,1&CVT=jpeg",
            "IIIF=jpeg.tif/256,256,512,512/256,/0/default.jpg",
            "FIF=jpeg.tif&JTL=2,5&QLT=90");

    @BeforeAll
    static void start() throws Exception {
        // 1280x1024 at level 0: an unresized region of it is 1.3M pixels, decoded in bands.
        TiffWriter.builder().size(1280, 1024).compression(Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(dir.resolve("jpeg.tif"));
        TiffWriter.builder().size(1280, 1024).compression(Compression.DEFLATE).predictor(2)
                .photometric(TiffWriter.Photometric.RGB).write(dir.resolve("deflate.tif"));
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", dir + "/", "MAX_IMAGE_CACHE_SIZE", "0",
                "OMP_NUM_THREADS", "2"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Http.Reply get(String query) throws Exception {
        return Http.get(server.iipUrl() + "?" + query);
    }

    private static byte[][] healthyRenders() throws Exception {
        byte[][] out = new byte[HEALTHY.size()][];
        for (int i = 0; i < out.length; i++) {
            Http.Reply r = get(HEALTHY.get(i));
            assertEquals(200, r.status(), HEALTHY.get(i) + ": " + r.text());
            out[i] = r.body();
        }
        return out;
    }

    /** The healthy renders, from four client threads at once, give the bytes they gave before. */
    private static void assertHealthyUnchanged(byte[][] before, String after) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[][]>> rounds = new ArrayList<>();
            for (int round = 0; round < 8; round++) {
                rounds.add(clients.submit(BrokenTiffTest::healthyRenders));
            }
            for (Future<byte[][]> round : rounds) {
                byte[][] now = round.get(60, TimeUnit.SECONDS);
                for (int i = 0; i < now.length; i++) {
                    assertArrayEquals(before[i], now[i], HEALTHY.get(i) + " changed after " + after);
                }
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /**
     * A level-0 tile whose SOF gives a component the sampling factor 0: libjpeg-turbo fails on it
     * and used to leave its pooled handle in an error state, so every later JPEG render of every
     * image answered 404 "bad JPEG tile" until restart.
     */
    @Test
    void aDamagedJpegTileDoesNotPoisonLaterRenders() throws Exception {
        byte[][] before = healthyRenders();
        TiffPatch tiff = TiffPatch.of(dir.resolve("jpeg.tif"));
        tiff.setByte(tiff.jpegSamplingFactor(0, 0), 0);
        tiff.write(dir.resolve("bad-sof.tif"));
        Http.Reply bad = get("FIF=bad-sof.tif&WID=700&CVT=jpeg");
        assertEquals(404, bad.status(), bad.text());
        assertHealthyUnchanged(before, "the damaged SOF");
    }

    /**
     * A sparse tile (byte count 0) in a later tile row of an unresized JPEG region that is decoded
     * in bands on two threads: the native path gives the region up to the Java path, and used to
     * return its pooled buffer twice, so two later renders shared one buffer and got (and cached)
     * each other's pixels.
     */
    @Test
    void aSparseTileInALaterBandDoesNotHandOutABufferTwice() throws Exception {
        byte[][] before = healthyRenders();
        TiffPatch tiff = TiffPatch.of(dir.resolve("jpeg.tif"));
        int across = (1280 + 255) / 256;
        tiff.set(0, 325, 2 * across + 1, 0); // TileByteCounts: tile (1, 2) is sparse
        tiff.write(dir.resolve("sparse.tif"));
        Http.Reply sparse = get("FIF=sparse.tif&RGN=0,0,1,1&CVT=jpeg");
        assertEquals(200, sparse.status(), sparse.text());
        assertEquals(1280, sparse.image().getWidth());
        assertHealthyUnchanged(before, "the sparse tile");
    }

    /** Layout damage a probe found opened, then failing at render time. */
    static List<Object[]> damagedLayouts() {
        int width = 256;
        int spp = 277;
        int tileWidth = 322;
        int planar = 284;
        return List.of(
                new Object[] {"SamplesPerPixel 0", spp, 0L},
                new Object[] {"SamplesPerPixel 2", spp, 2L},
                new Object[] {"SamplesPerPixel 65535", spp, 65535L},
                new Object[] {"ImageWidth 2^32-1", width, 0xFFFFFFFFL},
                new Object[] {"ImageWidth 2^31-1", width, 0x7FFFFFFFL},
                new Object[] {"TileWidth 2^32-1", tileWidth, 0xFFFFFFFFL},
                new Object[] {"PlanarConfiguration 2", planar, 2L});
    }

    /**
     * A file whose layout cannot be right (or is not one we read) is answered 404 in every
     * protocol's form, from its metadata on: never a 200 banner, a IIIF 400 for what is not the
     * client's fault, a 500, or a 503 for a file that will never work. Healthy images render as
     * before.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("damagedLayouts")
    void aDamagedLayoutIsA404EverywhereAndHarmsNothingElse(String what, int tag, long value) throws Exception {
        byte[][] before = healthyRenders();
        for (String source : new String[] {"deflate.tif", "jpeg.tif"}) {
            String name = "layout-" + tag + "-" + value + "-" + source;
            TiffPatch.of(dir.resolve(source)).set(0, tag, 0, value).write(dir.resolve(name));
            for (String q : new String[] {"FIF=" + name + "&OBJ=Max-size", "FIF=" + name + "&JTL=0,0",
                "FIF=" + name + "&WID=700&CVT=jpeg", "FIF=" + name + "&RGN=0,0,0.5,0.5&CVT=jpeg",
                "IIIF=" + name + "/info.json", "IIIF=" + name + "/0,0,512,512/256,/0/default.jpg",
                "DeepZoom=" + name + ".dzi", "Zoomify=" + name + "/TileGroup0/0-0-0.jpg"}) {
                assertNotFound(what, q);
            }
        }
        assertHealthyUnchanged(before, what);
    }

    /**
     * A tile whose byte count is damaged is refused before anything is allocated for it (2,000,000,000
     * bytes were allocated as claimed: an OutOfMemoryError, answered 503 "retry later"); the tiles
     * next to it are served.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {400_000_000L, 2_000_000_000L, 0xFFFFFFFFL})
    void aDamagedTileByteCountIsA404ForThatTileOnly(long count) throws Exception {
        byte[][] before = healthyRenders();
        for (String source : new String[] {"deflate.tif", "jpeg.tif"}) {
            String name = "count-" + count + "-" + source;
            TiffPatch.of(dir.resolve(source)).set(0, 325, 0, count).write(dir.resolve(name));
            int top = TiffPatch.of(dir.resolve(source)).ifdCount() - 1;
            for (String q : new String[] {"FIF=" + name + "&JTL=" + top + ",0", "FIF=" + name + "&RGN=0,0,0.5,0.5&CVT=jpeg",
                "IIIF=" + name + "/0,0,512,512/512,/0/default.jpg", "DeepZoom=" + name + "_files/11/0_0.jpg"}) {
                assertNotFound("byte count " + count, q);
            }
            for (String q : new String[] {"FIF=" + name + "&JTL=" + top + ",1", "FIF=" + name + "&OBJ=Max-size",
                "IIIF=" + name + "/512,512,512,512/512,/0/default.jpg"}) {
                assertEquals(200, get(q).status(), q);
            }
        }
        String health = server.health();
        assertTrue(TestServer.healthNumber(health, "bytes") < 64 << 20, health);
        assertHealthyUnchanged(before, "byte count " + count);
    }

    private static void assertNotFound(String what, String q) throws Exception {
        Http.Reply r = get(q);
        assertEquals(404, r.status(), what + ": " + q + " answered " + r.contentType() + " " + r.text());
        assertEquals("text/plain;charset=utf-8", r.contentType().replace(" ", "").toLowerCase(), q);
    }
}
