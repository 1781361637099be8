package io.github.iipservlet.image.jp2;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Jp2Writer;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.Raster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * JPEG2000 files (JP2 and raw J2K codestreams) served through every protocol, once per decoder
 * (OpenJPEG when libopenjp2 loads, and JJ2000 forced by JPEG2000_DECODER=jj2000): the pyramid
 * iipsrv 1.3 makes of a codestream (its resolutions, then virtual levels down to one 256x256 tile,
 * always 256x256 tiles whatever the codestream tiling), pixel-exact PNG tiles of lossless files
 * at every level, 16-bit grey kept 16-bit, the same bytes through IIP, IIIF, DeepZoom and
 * Zoomify, iipsrv's quality-layer rules (LYR, MAX_LAYERS; OpenJPEG only), and damaged files
 * answered like any unreadable image without harming the server.
 *
 * <p>The oracles are independent of the server: the written source samples at full resolution,
 * JJ2000's own decode of the file at lower resolutions (a reversible 5-3 file decodes to the same
 * integers in every conforming decoder), and the answers the same server gives for TIFF.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS) // a hung decoder fails its test instead of stalling the class
class Jpeg2000ServedTest {
    /** The decoder a server is told to use, by its JPEG2000_DECODER value. */
    enum Decoder {
        OPENJPEG("openjpeg"), JJ2000("jj2000");

        final String config;

        Decoder(String config) {
            this.config = config;
        }
    }

    @TempDir
    static Path tmp;
    static Path images;
    static final Map<Decoder, TestServer> SERVERS = new EnumMap<>(Decoder.class);
    /** OpenJPEG with MAX_LAYERS=1: every request decodes one layer at most. */
    static TestServer capped;
    /** JPEG2000_DECODER left at auto, MAX_LAYERS=-1: all layers unless LYR says otherwise. */
    static TestServer auto;
    static boolean openJpeg;

    /** 700x500 RGB, lossless, 5 DWT levels (6 resolutions, down to 22x16), codestream tiles 192x192. */
    static Jp2Writer.Written rgb;
    /** 700x500 RGB, lossless, 1 DWT level, one codestream tile: 700x500, 350x250 and a virtual 175x125. */
    static Jp2Writer.Written untiled;
    /** 700x500 8-bit grey raw codestream (.j2k), lossless, 3 DWT levels, codestream tiles 256x256. */
    static Jp2Writer.Written grey;
    /** 600x400 16-bit grey, lossless, 1 DWT level: 600x400, 300x200 and a virtual 150x100. */
    static Jp2Writer.Written grey16;
    /** 300x200 12-bit grey, lossless, 1 DWT level: 300x200 and 150x100. */
    static Jp2Writer.Written grey12;
    /** 700x500 RGB, lossy at 1 bit per pixel in 3 quality layers, 2 DWT levels. */
    static Jp2Writer.Written layered;

    /** JJ2000's decode of rgb.jp2 by resolutions below the full one (index = reduction). */
    static Raster[] rgbReference = new Raster[6];
    static Raster untiledHalf;
    static Raster greyHalf;
    static Raster grey16Half;

    @BeforeAll
    static void start() throws Exception {
        images = Files.createDirectories(tmp.resolve("images"));
        rgb = Jp2Writer.builder().size(700, 500).channels(3).levels(5).tiling(192, 192).pixels(TestImages::rgb)
                .write(images.resolve("rgb.jp2"));
        // The same codestream without its JP2 boxes.
        Jp2Writer.builder().size(700, 500).channels(3).levels(5).tiling(192, 192).pixels(TestImages::rgb)
                .codestreamOnly(true).write(images.resolve("rgb.j2k"));
        // Like rgb.jp2 with 200x200 codestream tiles: JJ2000's reader fails on its two smallest
        // resolutions (measured: IllegalArgumentException from FileBitstreamReaderAgent.setTile).
        Jp2Writer.builder().size(700, 500).channels(3).levels(5).tiling(200, 200).pixels(TestImages::rgb)
                .write(images.resolve("odd.jp2"));
        untiled = Jp2Writer.builder().size(700, 500).channels(3).levels(1).untiled().pixels(TestImages::rgb)
                .write(images.resolve("untiled.jp2"));
        Jp2Writer.builder().size(700, 500).channels(3).levels(1).untiled().pixels(TestImages::rgb)
                .codestreamOnly(true).write(images.resolve("untiled.j2k"));
        grey = Jp2Writer.builder().size(700, 500).channels(1).levels(3).tiling(256, 256).codestreamOnly(true)
                .pixels(TestImages::grey).write(images.resolve("grey.j2k"));
        grey16 = Jp2Writer.builder().size(600, 400).channels(1).bits(16).levels(1).pixels(TestImages::grey16)
                .write(images.resolve("grey16.jp2"));
        grey12 = Jp2Writer.builder().size(300, 200).channels(1).bits(12).levels(1)
                .pixels((x, y, c) -> (x * 13 + y * 7) % 4096).write(images.resolve("grey12.jp2"));
        layered = Jp2Writer.builder().size(700, 500).channels(3).levels(2).rate(1.0).layers(3)
                .pixels(TestImages::rgb).write(images.resolve("layers.jp2"));
        for (int k = 1; k <= 5; k++) {
            rgbReference[k] = Jp2Writer.reference(images.resolve("rgb.jp2"), k);
        }
        untiledHalf = Jp2Writer.reference(images.resolve("untiled.jp2"), 1);
        greyHalf = Jp2Writer.reference(images.resolve("grey.j2k"), 1);
        grey16Half = Jp2Writer.reference(images.resolve("grey16.jp2"), 1);
        writeDamagedFiles();

        openJpeg = OpenJpegDecoder.available();
        for (Decoder d : Decoder.values()) {
            if (d != Decoder.OPENJPEG || openJpeg) {
                SERVERS.put(d, TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "JPEG2000_DECODER",
                        d.config)));
            }
        }
        if (openJpeg) {
            capped = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "JPEG2000_DECODER", "openjpeg",
                    "MAX_LAYERS", "1"));
            auto = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "MAX_LAYERS", "-1"));
        }
    }

    /**
     * Damaged files, and TIFFs damaged the same way whose answers are the ones expected. Damaged
     * data behind a good header (the second half of rgb.jp2 overwritten, the second halves of
     * rgb.j2k and untiled.j2k cut off: no box says how long a raw codestream is) fails when a tile
     * is decoded, like a TIFF with garbage tile data. (Garbage inside a single codestream tile is
     * not detectable: OpenJPEG decodes it to garbage pixels, so there is no such file here.) A file
     * that cannot be opened (rgb.jp2 cut in half, shorter than its codestream box says; noise after
     * the signature boxes) fails like a TIFF cut in half, whose IFDs are gone.
     */
    static void writeDamagedFiles() throws Exception {
        byte[] whole = Files.readAllBytes(images.resolve("rgb.jp2"));
        Files.write(images.resolve("truncated.jp2"), Arrays.copyOf(whole, whole.length / 2));
        Files.write(images.resolve("corrupt.jp2"), overwriteSecondHalf(whole));
        byte[] raw = Files.readAllBytes(images.resolve("rgb.j2k"));
        Files.write(images.resolve("truncated.j2k"), Arrays.copyOf(raw, raw.length / 2));
        byte[] rawUntiled = Files.readAllBytes(images.resolve("untiled.j2k"));
        Files.write(images.resolve("truncated-untiled.j2k"), Arrays.copyOf(rawUntiled, rawUntiled.length / 2));
        // The signature and file type boxes (32 bytes), then noise.
        byte[] noise = Arrays.copyOf(whole, 4000);
        Random random = new Random(7);
        for (int i = 32; i < noise.length; i++) {
            noise[i] = (byte) random.nextInt(256);
        }
        Files.write(images.resolve("noise.jp2"), noise);

        Path tif = images.resolve("good.tif");
        TiffWriter.builder().size(700, 500).tile(256, 256).compression(TiffWriter.Compression.DEFLATE).write(tif);
        byte[] tiff = Files.readAllBytes(tif);
        byte[] badTiles = tiff.clone();
        // The tile data comes first, the IFDs last: 0x55 is no deflate stream header.
        for (int i = 16; i < tiff.length / 2; i++) {
            badTiles[i] = 0x55;
        }
        Files.write(images.resolve("badtiles.tif"), badTiles);
        Files.write(images.resolve("halved.tif"), Arrays.copyOf(tiff, tiff.length / 2));
    }

    /** The second half of a file, up to its last two bytes (the EOC marker), turned to 0x55. */
    private static byte[] overwriteSecondHalf(byte[] file) {
        byte[] out = file.clone();
        Arrays.fill(out, file.length / 2, file.length - 2, (byte) 0x55);
        return out;
    }

    @AfterAll
    static void stop() throws Exception {
        for (TestServer s : SERVERS.values()) {
            s.close();
        }
        if (capped != null) {
            capped.close();
            auto.close();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static TestServer server(Decoder d) {
        if (d == Decoder.OPENJPEG) {
            assumeTrue(openJpeg, "libopenjp2 cannot be loaded");
        }
        return SERVERS.get(d);
    }

    private static Http.Reply ok(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), () -> url + ": " + r.text());
        return r;
    }

    private static Http.Reply iip(Decoder d, String query) throws Exception {
        return ok(server(d).iipUrl() + "?" + query);
    }

    private static Http.Reply iiif(Decoder d, String path) throws Exception {
        return ok(server(d).baseUrl() + "/iiif/" + path);
    }

    /** The samples of a PNG reply. */
    private static Raster png(Http.Reply r) throws Exception {
        assertEquals("image/png", r.contentType(), r.text());
        return r.image().getRaster();
    }

    /** Expected integer sample at (x, y, c) of a reply. */
    @FunctionalInterface
    interface Samples {
        int at(int x, int y, int c);
    }

    private static Samples source(Jp2Writer.Written w, int x0, int y0) {
        return (x, y, c) -> w.sample(x0 + x, y0 + y, c);
    }

    private static Samples of(Raster r, int x0, int y0) {
        return (x, y, c) -> r.getSample(x0 + x, y0 + y, c);
    }

    private static String size(Raster r) {
        return r.getWidth() + "x" + r.getHeight();
    }

    /** Every sample of {@code got} equals {@code expected}; reports the first that does not. */
    private static void assertExact(String what, int width, int height, int bands, Samples expected, Raster got) {
        assertEquals(width + "x" + height, size(got), what);
        assertEquals(bands, got.getNumBands(), what);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < bands; c++) {
                    int e = expected.at(x, y, c);
                    int g = got.getSample(x, y, c);
                    if (e != g) {
                        throw new AssertionError(what + ": channel " + c + " at " + x + "," + y + " is " + g
                                + " instead of " + e);
                    }
                }
            }
        }
    }

    /** PSNR in dB of the first {@code bands} bands of {@code got} against {@code expected} (8-bit). */
    private static double psnr(Raster got, Samples expected, int bands) {
        double sum = 0;
        long n = 0;
        for (int y = 0; y < got.getHeight(); y++) {
            for (int x = 0; x < got.getWidth(); x++) {
                for (int c = 0; c < bands; c++) {
                    double d = got.getSample(x, y, c) - expected.at(x, y, c);
                    sum += d * d;
                    n++;
                }
            }
        }
        return sum == 0 ? 99 : 10 * Math.log10(255.0 * 255 * n / sum);
    }

    /** The level sizes iipsrv makes of a file, full first: the codestream's, then halved to one tile. */
    private static List<int[]> levels(Jp2Writer.Written w) {
        List<int[]> sizes = new ArrayList<>();
        for (int k = 0; k < w.resolutions(); k++) {
            sizes.add(new int[] {w.width(k), w.height(k)});
        }
        int[] last = sizes.get(sizes.size() - 1);
        while (last[0] > 256 || last[1] > 256) {
            last = new int[] {(last[0] + 1) / 2, (last[1] + 1) / 2};
            sizes.add(last);
        }
        return sizes;
    }

    // ---- the test files ----------------------------------------------------------------------

    @Test
    void theTestFilesHaveTheLayoutTheTestsRelyOn() throws Exception {
        // A writer that ignored tiling, layers or levels would make the tests below pass for nothing.
        assertEquals(new Jp2Writer.Header(true, 700, 500, 192, 192, 3, 8, 1, 6),
                Jp2Writer.header(images.resolve("rgb.jp2")));
        assertEquals(new Jp2Writer.Header(false, 700, 500, 192, 192, 3, 8, 1, 6),
                Jp2Writer.header(images.resolve("rgb.j2k")));
        assertEquals(new Jp2Writer.Header(true, 700, 500, 200, 200, 3, 8, 1, 6),
                Jp2Writer.header(images.resolve("odd.jp2")));
        assertEquals(new Jp2Writer.Header(true, 700, 500, 700, 500, 3, 8, 1, 2),
                Jp2Writer.header(images.resolve("untiled.jp2")));
        assertEquals(new Jp2Writer.Header(false, 700, 500, 256, 256, 1, 8, 1, 4),
                Jp2Writer.header(images.resolve("grey.j2k")));
        assertEquals(new Jp2Writer.Header(true, 600, 400, 600, 400, 1, 16, 1, 2),
                Jp2Writer.header(images.resolve("grey16.jp2")));
        assertEquals(new Jp2Writer.Header(true, 300, 200, 300, 200, 1, 12, 1, 2),
                Jp2Writer.header(images.resolve("grey12.jp2")));
        assertEquals(new Jp2Writer.Header(true, 700, 500, 700, 500, 3, 8, 3, 3),
                Jp2Writer.header(images.resolve("layers.jp2")));
        // The reference decodes are the halved pictures, not something else of that size.
        assertEquals("350x250", size(rgbReference[1]));
        assertEquals("22x16", size(rgbReference[5]));
        assertTrue(psnr(rgbReference[1], (x, y, c) -> rgb.sample(2 * x, 2 * y, c), 3) > 20);
    }

    // ---- OBJ ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void objectsDescribeThePyramidWithItsVirtualLevels(Decoder d) throws Exception {
        record Case(String file, Jp2Writer.Written w, String minMax, String colourSpace) {
        }
        // As for TIFF: sRGB (3) with three channels, greyscale (1) with one; iipsrv names the
        // resolution range, 0 to the last level, in the answer's label.
        String rgbSpace = ",0:0 0 3 3 0 1 2";
        String greySpace = ",0:0 0 1 1 0";
        for (Case c : new Case[] {new Case("rgb.jp2", rgb, " 0  255  0  255  0  255", rgbSpace),
            new Case("rgb.j2k", rgb, " 0  255  0  255  0  255", rgbSpace),
            new Case("untiled.jp2", untiled, " 0  255  0  255  0  255", rgbSpace),
            new Case("grey.j2k", grey, " 0  255", greySpace), new Case("grey16.jp2", grey16, " 0  65535", greySpace),
            new Case("layers.jp2", layered, " 0  255  0  255  0  255", rgbSpace)}) {
            List<int[]> sizes = levels(c.w);
            StringBuilder resolutions = new StringBuilder("Resolutions:");
            for (int k = sizes.size() - 1; k >= 0; k--) {
                resolutions.append(sizes.get(k)[0]).append(' ').append(sizes.get(k)[1]).append(k > 0 ? "," : "");
            }
            String[] expected = {"Max-size:" + c.w.width() + " " + c.w.height(), "Tile-size:256 256",
                "Resolution-number:" + sizes.size(), "Bits-per-channel:" + c.w.bits(),
                "Min-Max-sample-values:" + c.minMax, resolutions.toString(),
                "Colorspace,0-" + (sizes.size() - 1) + c.colourSpace};
            Http.Reply r = iip(d, "FIF=" + c.file + "&OBJ=Max-size&OBJ=Tile-size&OBJ=Resolution-number"
                    + "&OBJ=Bits-per-channel&OBJ=Min-Max-sample-values&OBJ=Resolutions&OBJ=colorspace");
            assertArrayEquals(expected, r.text().split("\r\n"), c.file);
        }
        // The virtual levels in numbers: 1 DWT level gives 2 resolutions, plus 175x125 to fit a tile.
        assertEquals("Resolution-number:3\r\n", iip(d, "FIF=untiled.jp2&OBJ=Resolution-number").text());
        assertEquals("Resolution-number:6\r\n", iip(d, "FIF=rgb.jp2&OBJ=Resolution-number").text());
    }

    // ---- tiles -------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void fullResolutionTilesAreTheSourceExactlyWhateverTheCodestreamTiling(Decoder d) throws Exception {
        // 256x256 tiles over 700x500: 3 across (the last 188 wide), 2 down (the last 244 high).
        int[][] tiles = {{0, 0, 0, 256, 256}, {2, 512, 0, 188, 256}, {4, 256, 256, 256, 244},
            {5, 512, 256, 188, 244}};
        // rgb.jp2 has 192x192 codestream tiles (a served tile spans up to four), untiled.jp2 one,
        // grey.j2k 256x256 like the served ones; rgb.j2k is rgb.jp2 without its boxes.
        record File(String name, Jp2Writer.Written w, int top) {
        }
        for (File f : new File[] {new File("rgb.jp2", rgb, 5), new File("rgb.j2k", rgb, 5),
            new File("untiled.jp2", untiled, 2), new File("grey.j2k", grey, 3)}) {
            for (int[] t : tiles) {
                String what = f.name + " tile " + t[0];
                Raster tile = png(iip(d, "FIF=" + f.name + "&PTL=" + f.top + "," + t[0]));
                assertExact(what, t[3], t[4], f.w.channels(), source(f.w, t[1], t[2]), tile);
            }
        }
        // The JPEG tile has the same cropped size and shows the same picture.
        Raster jpeg = iip(d, "FIF=rgb.jp2&JTL=5,5").image().getRaster();
        assertEquals("188x244", size(jpeg));
        double q = psnr(jpeg, source(rgb, 512, 256), 3);
        assertTrue(q > 28, "JPEG tile PSNR " + q);
        assertArrayEquals(iip(d, "FIF=rgb.jp2&PTL=5,4").body(), iip(d, "FIF=rgb.j2k&PTL=5,4").body());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void lowerLevelTilesAreTheCodestreamResolutions(Decoder d) throws Exception {
        // rgb.jp2 resolution 4 is 350x250 (tiles 256 and 94 wide), 3 is 175x125, 0 is 22x16.
        assertExact("rgb 4,0", 256, 250, 3, of(rgbReference[1], 0, 0), png(iip(d, "FIF=rgb.jp2&PTL=4,0")));
        assertExact("rgb 4,1", 94, 250, 3, of(rgbReference[1], 256, 0), png(iip(d, "FIF=rgb.jp2&PTL=4,1")));
        assertExact("rgb 3,0", 175, 125, 3, of(rgbReference[2], 0, 0), png(iip(d, "FIF=rgb.jp2&PTL=3,0")));
        assertExact("rgb 0,0", 22, 16, 3, of(rgbReference[5], 0, 0), png(iip(d, "FIF=rgb.jp2&PTL=0,0")));
        assertExact("untiled 1,1", 94, 250, 3, of(untiledHalf, 256, 0), png(iip(d, "FIF=untiled.jp2&PTL=1,1")));
        assertExact("grey 2,1", 94, 250, 1, of(greyHalf, 256, 0), png(iip(d, "FIF=grey.j2k&PTL=2,1")));
        assertEquals("94x250", size(iip(d, "FIF=rgb.jp2&JTL=4,1").image().getRaster()));
    }

    /**
     * A viewer asks for the tiles of its view at once: those that wait for a decode are decoded
     * together (AreaBatches), and each must still be exactly its own tile, of every file layout.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void tilesAskedForTogetherAreEachExact(Decoder d) throws Exception {
        int[][] tiles = {{0, 0, 0, 256, 256}, {1, 256, 0, 256, 256}, {2, 512, 0, 188, 256}, {3, 0, 256, 256, 244},
            {4, 256, 256, 256, 244}, {5, 512, 256, 188, 244}};
        record File(String name, Jp2Writer.Written w, int top) {
        }
        server(d); // skips here, not in the pool, without libopenjp2
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
        try {
            for (File f : new File[] {new File("untiled.jp2", untiled, 2), new File("rgb.jp2", rgb, 5)}) {
                for (int round = 0; round < 4; round++) {
                    List<java.util.concurrent.Future<Http.Reply>> replies = new ArrayList<>();
                    for (int[] t : tiles) {
                        replies.add(pool.submit(() -> iip(d, "FIF=" + f.name + "&PTL=" + f.top + "," + t[0])));
                    }
                    for (int i = 0; i < tiles.length; i++) {
                        int[] t = tiles[i];
                        assertExact(f.name + " tile " + t[0] + " round " + round, t[3], t[4], 3,
                                source(f.w, t[1], t[2]), png(replies.get(i).get()));
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void virtualLevelsSubsampleTheSmallestResolution(Decoder d) throws Exception {
        // untiled.jp2's smallest codestream resolution is 350x250; the virtual level is 175x125.
        assertVirtual("untiled.jp2 0,0", untiledHalf, 175, 125, 3, png(iip(d, "FIF=untiled.jp2&PTL=0,0")));
        assertEquals("175x125", size(iip(d, "FIF=untiled.jp2&JTL=0,0").image().getRaster()));
        // grey16.jp2: 300x200 to 150x100, still 16 bits.
        Raster virtual16 = png(iip(d, "FIF=grey16.jp2&PTL=0,0"));
        assertEquals(16, virtual16.getSampleModel().getSampleSize(0));
        assertVirtual("grey16.jp2 0,0", grey16Half, 150, 100, 1, virtual16);
    }

    /**
     * A nearest-neighbour halving of {@code half}: each pixel is one of the 3x3 samples around
     * (2x, 2y) (whichever neighbour the rounding picks), and most are the one at (2x, 2y) or its
     * right/lower neighbour, so a shifted or wrong level fails.
     */
    private static void assertVirtual(String what, Raster half, int w, int h, int bands, Raster got) {
        assertEquals(w + "x" + h, size(got), what);
        assertEquals(bands, got.getNumBands(), what);
        long close = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean any = false;
                boolean near = false;
                for (int dy = -1; dy <= 1 && !any; dy++) {
                    for (int dx = -1; dx <= 1 && !any; dx++) {
                        int sx = Math.max(0, Math.min(half.getWidth() - 1, 2 * x + dx));
                        int sy = Math.max(0, Math.min(half.getHeight() - 1, 2 * y + dy));
                        boolean all = true;
                        for (int c = 0; c < bands; c++) {
                            all &= half.getSample(sx, sy, c) == got.getSample(x, y, c);
                        }
                        any |= all;
                        near |= all && dx >= 0 && dy >= 0;
                    }
                }
                if (!any) {
                    throw new AssertionError(what + ": pixel " + x + "," + y + " is none of the samples around "
                            + 2 * x + "," + 2 * y + " of the level above");
                }
                close += near ? 1 : 0;
            }
        }
        assertTrue(close > 0.9 * w * h, what + ": " + close + " of " + w * h + " pixels near (2x, 2y)");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void sixteenBitGreyStaysSixteenBitAndExact(Decoder d) throws Exception {
        assertEquals("Bits-per-channel:16\r\n", iip(d, "FIF=grey16.jp2&OBJ=Bits-per-channel").text());
        // 600x400: resolution 2 is full size, tile 1 is x 256..511.
        Raster tile = png(iip(d, "FIF=grey16.jp2&PTL=2,1"));
        assertEquals(16, tile.getSampleModel().getSampleSize(0));
        assertExact("grey16 2,1", 256, 256, 1, source(grey16, 256, 0), tile);
        Raster half = png(iip(d, "FIF=grey16.jp2&PTL=1,1"));
        assertEquals(16, half.getSampleModel().getSampleSize(0));
        assertExact("grey16 1,1", 44, 200, 1, of(grey16Half, 256, 0), half);
        Raster whole = png(iiif(d, "grey16.jp2/full/max/0/default.png"));
        assertEquals(16, whole.getSampleModel().getSampleSize(0));
        assertExact("grey16 IIIF full", 600, 400, 1, source(grey16, 0, 0), whole);

        // 12 bits are served as 16, like 9 to 16 bits in iipsrv; the samples are exact up to one
        // mapping for the whole tile: as stored, shifted, or stretched to 16 bits (by scaling or by
        // repeating the top bits).
        assertEquals("Bits-per-channel:16\r\n", iip(d, "FIF=grey12.jp2&OBJ=Bits-per-channel").text());
        Raster twelve = png(iip(d, "FIF=grey12.jp2&PTL=1,0"));
        assertEquals(16, twelve.getSampleModel().getSampleSize(0));
        assertEquals("256x200", size(twelve));
        List<IntUnaryOperator> mappings = List.of(v -> v, v -> v << 4, v -> (v << 4) | (v >> 8),
                v -> (int) Math.round(v * 65535.0 / 4095));
        boolean matched = false;
        for (IntUnaryOperator m : mappings) {
            boolean all = true;
            for (int y = 0; y < 200 && all; y++) {
                for (int x = 0; x < 256 && all; x++) {
                    all = twelve.getSample(x, y, 0) == m.applyAsInt(grey12.sample(x, y, 0));
                }
            }
            matched |= all;
        }
        assertTrue(matched, "12-bit samples: " + twelve.getSample(1, 0, 0) + " for " + grey12.sample(1, 0, 0) + ", "
                + twelve.getSample(255, 199, 0) + " for " + grey12.sample(255, 199, 0));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void oddCodestreamTilesAreServedExactly(Decoder d) throws Exception {
        // odd.jp2: the same picture as rgb.jp2 in 200x200 codestream tiles; 6 resolutions, none virtual.
        assertEquals("Resolution-number:6\r\n", iip(d, "FIF=odd.jp2&OBJ=Resolution-number").text());
        Path odd = images.resolve("odd.jp2");
        for (int k = 0; k <= 3; k++) {
            int w = Math.min(256, rgb.width(k));
            int h = Math.min(256, rgb.height(k));
            assertExact("odd.jp2 resolution " + (5 - k), w, h, 3, of(Jp2Writer.reference(odd, k), 0, 0),
                    png(iip(d, "FIF=odd.jp2&PTL=" + (5 - k) + ",0")));
        }
    }

    @Test
    void openJpegServesTheSmallestResolutionsOfOddCodestreamTiles() throws Exception {
        assertSmallestOddResolutions(Decoder.OPENJPEG);
    }

    @Test
    void jj2000ServesTheSmallestResolutionsOfOddCodestreamTiles() throws Exception {
        assertSmallestOddResolutions(Decoder.JJ2000);
    }

    /**
     * odd.jp2's two smallest resolutions (44x32, 22x16), which JJ2000's reader cannot decode (the
     * JJ2000 decoder subsamples the next one it can), so there is no reference decode: the picture
     * halved 4 and 5 times, and OpenJPEG's pixels.
     */
    private static void assertSmallestOddResolutions(Decoder d) throws Exception {
        for (int k = 4; k <= 5; k++) {
            String what = "odd.jp2 resolution " + (5 - k);
            Raster got = png(iip(d, "FIF=odd.jp2&PTL=" + (5 - k) + ",0"));
            assertEquals(rgb.width(k) + "x" + rgb.height(k), size(got), what);
            int step = 1 << k;
            double q = psnr(got, (x, y, c) -> rgb.sample(Math.min(699, x * step + step / 2),
                    Math.min(499, y * step + step / 2), c), 3);
            assertTrue(q > 18, what + ": PSNR " + q);
            // The same resolution of rgb.jp2 (192x192 tiles) is close: only tile borders differ.
            // JJ2000's halved larger resolution (see below) is a box filter, not the wavelet's.
            double close = d == Decoder.JJ2000 ? 20 : 25;
            q = psnr(got, of(rgbReference[k], 0, 0), 3);
            assertTrue(q > close, what + " against rgb.jp2's: PSNR " + q);
            if (d == Decoder.JJ2000 && openJpeg) {
                // JJ2000 serves these by halving the next resolution it can read: close to
                // OpenJPEG's true wavelet level, not equal.
                q = psnr(got, of(png(iip(Decoder.OPENJPEG, "FIF=odd.jp2&PTL=" + (5 - k) + ",0")), 0, 0), 3);
                assertTrue(q > close, what + " against OpenJPEG: PSNR " + q);
            }
        }
    }

    // ---- regions -----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void cvtRegionsAndSizes(Decoder d) throws Exception {
        // A region across codestream tiles at full size (WID is its width): exact.
        Raster region = png(iip(d, "FIF=rgb.jp2&RGN=0.25,0.3,0.5,0.4&WID=350&CVT=png"));
        assertExact("CVT region", 350, 200, 3, source(rgb, 175, 150), region);
        // WID=350 of the whole image is resolution 350x250.
        Raster half = png(iip(d, "FIF=rgb.jp2&WID=350&CVT=png"));
        assertEquals("350x250", size(half));
        double q = psnr(half, of(rgbReference[1], 0, 0), 3);
        assertTrue(q > 40, "WID=350 PSNR " + q);
        // The lower right quarter at 175 wide: the same part of the 350x250 resolution.
        Raster quarter = png(iip(d, "FIF=rgb.jp2&RGN=0.5,0.5,0.5,0.5&WID=175&CVT=png"));
        assertEquals("175x125", size(quarter));
        q = psnr(quarter, of(rgbReference[1], 175, 125), 3);
        assertTrue(q > 35, "quarter PSNR " + q);
        Raster jpeg = iip(d, "FIF=rgb.jp2&WID=140&CVT=jpeg").image().getRaster();
        assertEquals("140x100", size(jpeg));
        q = psnr(jpeg, (x, y, c) -> rgb.sample(5 * x + 2, 5 * y + 2, c), 3);
        assertTrue(q > 20, "WID=140 PSNR " + q);
        // A virtual level is a resolution like the others: 175 wide is untiled.jp2's 175x125 level
        // as it is, not 350x250 resized.
        assertExact("untiled WID=175", 175, 125, 3, of(png(iip(d, "FIF=untiled.jp2&PTL=0,0")), 0, 0),
                png(iip(d, "FIF=untiled.jp2&WID=175&CVT=png")));
    }

    // ---- IIIF, DeepZoom, Zoomify -------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void iiifInfoListsEveryLevelAndRegionsArePixelExact(Decoder d) throws Exception {
        String info = iiif(d, "rgb.jp2/info.json").text().replaceAll("\\s", "");
        assertTrue(info.contains("\"width\":700,\"height\":500,"), info);
        assertTrue(info.contains("\"sizes\":[{\"width\":22,\"height\":16},{\"width\":44,\"height\":32},"
                + "{\"width\":88,\"height\":63},{\"width\":175,\"height\":125},{\"width\":350,\"height\":250}]"), info);
        assertTrue(info.contains("\"tiles\":[{\"width\":256,\"height\":256,\"scaleFactors\":[1,"), info);
        String virtual = iiif(d, "untiled.jp2/info.json").text().replaceAll("\\s", "");
        assertTrue(virtual.contains("\"sizes\":[{\"width\":175,\"height\":125},{\"width\":350,\"height\":250}]"),
                virtual);
        assertTrue(virtual.contains("\"scaleFactors\":[1,2,4]"), virtual);

        // Across codestream and served tiles, at full size: exact.
        assertExact("IIIF region", 256, 128, 3, source(rgb, 300, 190),
                png(iiif(d, "rgb.jp2/300,190,256,128/max/0/default.png")));
        assertExact("IIIF j2k region", 100, 60, 1, source(grey, 600, 440),
                png(iiif(d, "grey.j2k/600,440,100,60/max/0/default.png")));
        // Tile requests are the JTL tiles, byte for byte (one cache entry).
        assertArrayEquals(iip(d, "FIF=rgb.jp2&JTL=5,2").body(), iiif(d, "rgb.jp2/512,0,188,256/188,/0/default.jpg")
                .body());
        assertArrayEquals(iip(d, "FIF=rgb.jp2&JTL=4,1").body(), iiif(d, "rgb.jp2/512,0,188,500/94,/0/default.jpg")
                .body());
        Raster half = png(iiif(d, "rgb.jp2/full/350,/0/default.png"));
        double q = psnr(half, of(rgbReference[1], 0, 0), 3);
        assertTrue(q > 40, "IIIF 350, PSNR " + q);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void deepZoomAndZoomifyServeTheJtlTiles(Decoder d) throws Exception {
        String iip = server(d).iipUrl() + "?";
        assertEquals("<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" TileSize=\"256\" Overlap=\"0\" "
                + "Format=\"jpg\"><Size Width=\"700\" Height=\"500\"/></Image>",
                ok(iip + "DeepZoom=rgb.jp2.dzi").text());
        // DeepZoom level 10 is 700x500 (ceil(log2 700)), 9 is 350x250.
        Http.Reply corner = ok(iip + "DeepZoom=rgb.jp2_files/10/2_1.jpg");
        assertEquals("188x244", size(corner.image().getRaster()));
        assertArrayEquals(iip(d, "FIF=rgb.jp2&JTL=5,5").body(), corner.body());
        assertArrayEquals(iip(d, "FIF=rgb.jp2&JTL=4,1").body(),
                ok(server(d).baseUrl() + "/deepzoom/rgb.jp2_files/9/1_0.jpg").body());
        assertArrayEquals(iip(d, "FIF=untiled.jp2&JTL=0,0").body(), ok(iip + "DeepZoom=untiled.jp2_files/8/0_0.jpg")
                .body());

        // Zoomify starts at the largest level within one tile (175x125) and skips the three below:
        // 1 + 2 + 6 tiles.
        assertEquals("<IMAGE_PROPERTIES WIDTH=\"700\" HEIGHT=\"500\" NUMTILES=\"9\" NUMIMAGES=\"1\" VERSION=\"1.8\" "
                + "TILESIZE=\"256\"/>", ok(iip + "Zoomify=rgb.jp2/ImageProperties.xml").text());
        assertArrayEquals(iip(d, "FIF=rgb.jp2&JTL=5,5").body(), ok(iip + "Zoomify=rgb.jp2/TileGroup0/2-2-1.jpg")
                .body());
        Http.Reply smallest = ok(server(d).baseUrl() + "/zoomify/rgb.jp2/TileGroup0/0-0-0.jpg");
        assertEquals("175x125", size(smallest.image().getRaster()));
        assertArrayEquals(iip(d, "FIF=rgb.jp2&JTL=3,0").body(), smallest.body());
        // untiled.jp2: 175x125 (virtual), 350x250, 700x500: 1 + 2 + 6 tiles.
        assertTrue(ok(iip + "Zoomify=untiled.jp2/ImageProperties.xml").text().contains("NUMTILES=\"9\""));
    }

    // ---- quality layers ----------------------------------------------------------------------

    /** The lower right full-resolution tile of layers.jp2 (256..511 x 256..499) as PNG, with LYR. */
    private static Http.Reply layersTile(TestServer s, String lyr) throws Exception {
        return ok(s.iipUrl() + "?FIF=layers.jp2" + lyr + "&PTL=2,4");
    }

    private static double layersPsnr(Http.Reply r) throws Exception {
        Raster got = png(r);
        assertEquals("256x244", size(got));
        return psnr(got, source(layered, 256, 256), 3);
    }

    @Test
    void openJpegDecodesTheLayersIipsrvsRulesAskFor() throws Exception {
        TestServer s = server(Decoder.OPENJPEG);
        // Default first and all layers next: a tile store that ignored the layer count would answer
        // the second with the first.
        Http.Reply absent = layersTile(s, "");
        Http.Reply all = layersTile(s, "&LYR=-1");
        Http.Reply one = layersTile(s, "&LYR=1");
        Http.Reply two = layersTile(s, "&LYR=2");
        Http.Reply three = layersTile(s, "&LYR=3");
        Http.Reply zero = layersTile(s, "&LYR=0");
        double q1 = layersPsnr(one);
        double q2 = layersPsnr(two);
        double qAll = layersPsnr(all);
        assertTrue(q1 + 3 < q2 && q2 + 3 < qAll, "layers 1, 2, all: " + q1 + ", " + q2 + ", " + qAll + " dB");
        // MAX_LAYERS 0 and no LYR: half the layers, rounded up (2 of 3); LYR=0 the same.
        assertArrayEquals(two.body(), absent.body());
        assertArrayEquals(two.body(), zero.body());
        assertArrayEquals(all.body(), three.body());
        // Any negative LYR is "all layers", the most negative int included (it was a 500).
        assertArrayEquals(all.body(), layersTile(s, "&LYR=-7").body());
        assertArrayEquals(all.body(), layersTile(s, "&LYR=-2147483648").body());
        assertFalse(Arrays.equals(all.body(), absent.body()));
        // The JPEG path and IIIF (which has no LYR) follow the same rule.
        assertFalse(Arrays.equals(ok(s.iipUrl() + "?FIF=layers.jp2&LYR=1&JTL=2,4").body(),
                ok(s.iipUrl() + "?FIF=layers.jp2&LYR=-1&JTL=2,4").body()));
        assertExact("IIIF, default layers", 256, 244, 3, of(png(two), 0, 0),
                png(ok(s.baseUrl() + "/iiif/layers.jp2/256,256,256,244/max/0/default.png")));

        // MAX_LAYERS=1 caps every request, LYR or not.
        assertArrayEquals(one.body(), layersTile(capped, "").body());
        assertArrayEquals(one.body(), layersTile(capped, "&LYR=3").body());
        assertArrayEquals(one.body(), layersTile(capped, "&LYR=-1").body());
        // MAX_LAYERS=-1 without LYR: all layers; with LYR, LYR. That LYR=1 counts here also shows
        // JPEG2000_DECODER=auto chose OpenJPEG (JJ2000 ignores layers).
        assertArrayEquals(all.body(), layersTile(auto, "").body());
        assertArrayEquals(one.body(), layersTile(auto, "&LYR=1").body());
    }

    @Test
    void jj2000DecodesEveryLayerWhateverLyrSays() throws Exception {
        TestServer s = server(Decoder.JJ2000);
        Http.Reply absent = layersTile(s, "");
        for (String lyr : new String[] {"&LYR=1", "&LYR=-1", "&LYR=2", "&LYR=-2147483648"}) {
            assertArrayEquals(absent.body(), layersTile(s, lyr).body(), lyr);
        }
        // All three layers, as JJ2000 itself decodes the file (44 dB here; one layer would be 30 dB,
        // measured with opj_decompress). JJ2000's 9-7 wavelet is not OpenJPEG's to the last bit.
        Raster allLayers = Jp2Writer.reference(images.resolve("layers.jp2"), 0);
        assertExact("JJ2000 all layers", 256, 244, 3, of(allLayers, 256, 256), png(absent));
        double q = layersPsnr(absent);
        assertTrue(q > 40, "JJ2000 layers PSNR " + q);
    }

    // ---- damaged files -----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Decoder.class)
    void unreadableFilesAnswerLikeAnUnreadableTiff(Decoder d) throws Exception {
        String iip = server(d).iipUrl() + "?";
        String iiif = server(d).baseUrl() + "/iiif/";
        assertAnsweredLikeTheTiff(d, new String[][] {
            // Cut short of its codestream box: whether it fails at opening or at decoding, a tile fails.
            {iip + "FIF=truncated.jp2&PTL=5,5", iip + "FIF=badtiles.tif&PTL=2,0"},
            {iiif + "truncated.jp2/full/max/0/default.jpg", iiif + "badtiles.tif/full/max/0/default.jpg"},
            {iip + "DeepZoom=truncated.jp2_files/10/2_1.jpg", iip + "DeepZoom=badtiles.tif_files/10/0_0.jpg"},
            // Noise after the signature: nothing can be read.
            {iip + "FIF=noise.jp2&OBJ=Max-size", iip + "FIF=halved.tif&OBJ=Max-size"},
            {iip + "FIF=noise.jp2&JTL=0,0", iip + "FIF=halved.tif&JTL=0,0"},
            {iiif + "noise.jp2/info.json", iiif + "halved.tif/info.json"},
            {iiif + "noise.jp2/full/max/0/default.jpg", iiif + "halved.tif/full/max/0/default.jpg"},
            {iip + "Zoomify=noise.jp2/ImageProperties.xml", iip + "Zoomify=halved.tif/ImageProperties.xml"}});
    }

    @Test
    void damagedTileDataFailsWithOpenJpeg() throws Exception {
        assertDamagedTileDataFails(Decoder.OPENJPEG);
    }

    @Test
    void damagedTileDataFailsWithJj2000() throws Exception {
        assertDamagedTileDataFails(Decoder.JJ2000);
    }

    private static void assertDamagedTileDataFails(Decoder d) throws Exception {
        String iip = server(d).iipUrl() + "?";
        String iiif = server(d).baseUrl() + "/iiif/";
        // The damage is behind good headers: the header objects answer.
        assertEquals("Max-size:700 500\r\n", iip(d, "FIF=corrupt.jp2&OBJ=Max-size").text());
        assertEquals("Max-size:700 500\r\n", iip(d, "FIF=truncated.j2k&OBJ=Max-size").text());
        if (d == Decoder.JJ2000) {
            // JJ2000 is error-resilient by design: packets overwritten behind good tile-part headers
            // decode to some picture without any error it reports, so it cannot be told from a
            // good file. What is asserted: an answer in the protocol's form, never a server error.
            for (String q : new String[] {iip + "FIF=corrupt.jp2&PTL=5,5", iip + "FIF=corrupt.jp2&JTL=5,5",
                iiif + "corrupt.jp2/512,256,188,244/max/0/default.png"}) {
                Http.Reply r = Http.get(q);
                assertTrue(r.status() == 200 || r.status() == 404, q + " gave " + r.status());
            }
        } else {
            assertAnsweredLikeTheTiff(d, new String[][] {
                {iip + "FIF=corrupt.jp2&PTL=5,5", iip + "FIF=badtiles.tif&PTL=2,0"},
                {iip + "FIF=corrupt.jp2&JTL=5,5", iip + "FIF=badtiles.tif&JTL=2,0"},
                {iiif + "corrupt.jp2/512,256,188,244/max/0/default.png", iiif + "badtiles.tif/full/max/0/default.png"}});
        }
        assertAnsweredLikeTheTiff(d, new String[][] {
            // Twice: a decoder kept for the file after a failure must fail again, not answer.
            {iip + "FIF=truncated-untiled.j2k&PTL=2,0", iip + "FIF=badtiles.tif&PTL=2,0"},
            {iip + "FIF=truncated-untiled.j2k&PTL=2,0", iip + "FIF=badtiles.tif&PTL=2,0"},
            {iip + "FIF=truncated-untiled.j2k&WID=350&CVT=jpeg", iip + "FIF=badtiles.tif&WID=700&CVT=jpeg"},
            {iip + "FIF=truncated.j2k&JTL=5,5", iip + "FIF=badtiles.tif&JTL=2,0"},
            {iip + "Zoomify=truncated.j2k/TileGroup0/2-2-1.jpg", iip + "Zoomify=badtiles.tif/TileGroup0/2-0-0.jpg"}});
        // The good untiled codestream is still decoded (OpenJPEG keeps codecs for untiled files).
        assertExact("untiled after the damaged files", 256, 256, 3, source(untiled, 0, 0),
                png(iip(d, "FIF=untiled.j2k&PTL=2,0")));
    }

    /**
     * Each {JP2 request, TIFF request} pair gets the same status and content type (a 4xx or 5xx
     * text, never a path), and after each the server answers a good file. Every pair is tried, so
     * one run names every damaged file answered wrongly.
     */
    private static void assertAnsweredLikeTheTiff(Decoder d, String[][] pairs) throws Exception {
        List<Executable> checks = new ArrayList<>();
        for (String[] p : pairs) {
            Http.Reply tiff = Http.get(p[1]);
            Http.Reply jp2 = Http.get(p[0]);
            String what = p[0].substring(p[0].indexOf('/', 8)) + " answered " + jp2.status() + " " + jp2.contentType()
                    + ": " + (String.valueOf(jp2.contentType()).startsWith("text") ? jp2.text()
                            : jp2.body().length + " bytes");
            checks.add(() -> assertTrue(tiff.status() >= 400, p[1] + " gave " + tiff.status() + ": " + tiff.text()));
            checks.add(() -> assertEquals(tiff.status() + " " + tiff.contentType(),
                    jp2.status() + " " + jp2.contentType(), what));
            checks.add(() -> assertFalse(jp2.text().contains(images.toString()), what));
            Http.Reply good = Http.get(server(d).iipUrl() + "?FIF=rgb.jp2&PTL=0,0");
            checks.add(() -> assertExact("after " + p[0], 22, 16, 3, of(rgbReference[5], 0, 0), png(good)));
        }
        // Asked again, a damaged file fails again (no half-made entry was kept in a cache).
        Http.Reply again = Http.get(pairs[0][0]);
        checks.add(() -> assertEquals(Http.get(pairs[0][1]).status(), again.status(), "again: " + pairs[0][0]));
        assertAll(checks);
    }
}
