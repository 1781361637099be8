package io.github.iipservlet.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Pixels;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import io.github.iipservlet.testsupport.TiffWriter.Compression;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images made of several images, through the real webapp: stacks (multi-page TIFF) chosen by SDS
 * and by the IIIF page delimiter, image sequences chosen by angle, multispectral bands read by
 * SPECTRA and PFL, palette TIFFs, and LYR on TIFF. Every page and view is written with its own
 * colours, so a reply showing the wrong one fails.
 */
class MultiImageSourcesTest {
    @TempDir
    static Path tmp;
    static Path images;
    static TestServer server;
    static String iip;
    static String iiif;
    static int[] paletteMap;

    /** Stack page p: red 50 + 80p; green and blue gradients. */
    static double page(int p, int x, int y, int c) {
        return c == 0 ? 50 + 80 * p : c == 1 ? (x / 3) % 256 : (y / 3 + p) % 256;
    }

    /** Sequence view at angles h, v: red h, green v, blue a diagonal gradient. */
    static double view(int h, int v, int x, int y, int c) {
        return c == 0 ? h : c == 1 ? v : (x + y) % 256;
    }

    /** Multispectral band b (8-bit sequence): 40 + 50b, plus x mod 4. */
    static double band(int b, int x) {
        return 40 + 50 * b + x % 4;
    }

    @BeforeAll
    static void start() throws Exception {
        images = Files.createDirectories(tmp.resolve("images"));
        TiffWriter.Builder[] pages = new TiffWriter.Builder[3];
        for (int p = 0; p < 3; p++) {
            int n = p;
            pages[p] = TiffWriter.builder().size(p == 2 ? 560 : 600, 400).tile(256, 256).channels(3)
                    .compression(Compression.DEFLATE).subIfds(true).pixels((x, y, c) -> page(n, x, y, c))
                    .tag("DocumentName", Integer.toString(450 + 100 * p));
        }
        pages[1].stonits(0.5);
        TiffWriter.writeStack(images.resolve("stack.tif"), pages);
        TiffWriter.writeStack(images.resolve("pages.tif"),
                TiffWriter.builder().size(300, 200).levels(1).pixels((x, y, c) -> page(0, x, y, c)),
                TiffWriter.builder().size(300, 200).levels(1).pixels((x, y, c) -> page(1, x, y, c)));

        for (int[] hv : new int[][] {{0, 90}, {90, 90}, {180, 90}, {0, 45}}) {
            TiffWriter.builder().size(300, 200).tile(256, 256).compression(Compression.DEFLATE)
                    .pixels((x, y, c) -> view(hv[0], hv[1], x, y, c))
                    .write(images.resolve(TiffWriter.sequenceName("obj", "_pyr_", hv[0], hv[1], "tif")));
        }
        // A file that is not a view: its numbers are not printed as %03d.
        TiffWriter.builder().size(300, 200).write(images.resolve("obj_pyr_7_090.tif"));

        for (int b = 0; b < 3; b++) {
            int n = b;
            TiffWriter.builder().size(300, 200).tile(256, 256).channels(1).compression(Compression.DEFLATE)
                    .pixels((x, y, c) -> band(n, x))
                    .write(images.resolve(TiffWriter.sequenceName("bands", "_pyr_", b, 90, "tif")));
        }
        TiffWriter.Builder[] spectral = new TiffWriter.Builder[3];
        double[] scales = {1, 0.5, 2};
        for (int p = 0; p < 3; p++) {
            int n = p;
            spectral[p] = TiffWriter.builder().size(300, 200).tile(256, 256).channels(1).bits(16).subIfds(true)
                    .compression(Compression.DEFLATE).predictor(2).pixels((x, y, c) -> 1000 * (n + 1) + x % 4)
                    .tag("DocumentName", Integer.toString(450 + 100 * p)).stonits(scales[p]);
        }
        TiffWriter.writeStack(images.resolve("spectral.tif"), spectral);

        TiffWriter.builder().size(300, 200).tile(256, 256).compression(Compression.DEFLATE)
                .write(images.resolve("plain.tif"));
        TiffWriter.builder().size(300, 200).tile(256, 256).channels(1).bits(32)
                .sampleType(SampleType.FLOAT).compression(Compression.DEFLATE).pixels(TestImages::elevation)
                .write(images.resolve("float.tif"));

        paletteMap = new int[3 * 256];
        for (int i = 0; i < 256; i++) {
            paletteMap[i] = (i * 40 % 256) * 257;
            paletteMap[256 + i] = (255 - i * 40 % 256) * 257;
            paletteMap[512 + i] = (i * 17 % 256) * 257;
        }
        TiffWriter.builder().size(200, 150).tile(128, 128).bits(8).palette(paletteMap).levels(1)
                .compression(Compression.LZW).pixels((x, y, c) -> paletteIndex(x, y))
                .write(images.resolve("palette.tif"));

        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "IIIF_DELIMITER", ";"));
        iip = server.iipUrl() + "?";
        iiif = server.baseUrl() + "/iiif/";
    }

    /** Blocks of 16 pixels: one colour per JPEG MCU, so JPEG keeps the colours nearly exact. */
    static int paletteIndex(int x, int y) {
        return (x / 16 + y / 16) % 7;
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Http.Reply get(String query) throws Exception {
        return Http.get(iip + query);
    }

    private static String[] lines(Http.Reply r) {
        return r.text().split("\r\n");
    }

    /** The reply is an image whose pixel (x, y) is within 4 of {@code rgb} (JPEG). */
    private static void assertColour(Http.Reply r, int x, int y, double... rgb) throws Exception {
        assertEquals(200, r.status(), r.text());
        BufferedImage img = r.image();
        int px = img.getRGB(x, y);
        for (int c = 0; c < 3; c++) {
            assertEquals(rgb[c], Pixels.channel(px, c), 4, "channel " + c + " at " + x + "," + y);
        }
    }

    /** A 404 text reply that names no file. */
    private static void assertNotFound(Http.Reply r) {
        assertEquals(404, r.status(), r.text());
        assertTrue(r.contentType().startsWith("text/plain"), r.contentType());
        assertFalse(r.text().contains(tmp.toString()), r.text());
        assertFalse(r.text().contains(".tif"), r.text());
    }

    // ---- stacks ------------------------------------------------------------------------------

    @Test
    void stackObjectsListThePages() throws Exception {
        Http.Reply r = get("FIF=stack.tif&OBJ=stack");
        assertEquals(200, r.status());
        assertEquals("application/json", r.contentType());
        assertEquals("[ \n\t{\n\t\t\"id\": 0,\n\t\t\"name\": \"450\",\n\t\t\"scale\": 1\n\t},"
                + "\n\t{\n\t\t\"id\": 1,\n\t\t\"name\": \"550\",\n\t\t\"scale\": 0.5\n\t},"
                + "\n\t{\n\t\t\"id\": 2,\n\t\t\"name\": \"650\",\n\t\t\"scale\": 1\n\t}\n]\r\n", r.text());
        assertArrayEquals(new String[] {"Horizontal-views:0 1 2", "Vertical-views:90", "Max-size:600 400",
            "Resolution-number:3"},
                lines(get("FIF=stack.tif&OBJ=Horizontal-views&OBJ=Vertical-views&OBJ=Max-size"
                        + "&OBJ=Resolution-number")));
        // A single image is no stack: OBJ=stack adds nothing, so the request produced nothing.
        assertEquals("Error/27:2 1 FIF=plain.tif&OBJ=stack", lines(get("FIF=plain.tif&OBJ=stack"))[2]);
    }

    @Test
    void sdsSelectsTheStackPage() throws Exception {
        // Page after page at the same tile, then the first again: the tile store keeps pages apart.
        for (int p : new int[] {0, 1, 2, 0}) {
            assertColour(get("FIF=stack.tif&SDS=" + p + ",90&JTL=2,0"), 30, 60, page(p, 30, 60, 0),
                    page(p, 30, 60, 1), page(p, 30, 60, 2));
        }
        // SDS=x alone, the legacy JTLS, a region and the plain multi-page file.
        assertColour(get("FIF=stack.tif&SDS=1&JTL=2,0"), 3, 3, page(1, 3, 3, 0), page(1, 3, 3, 1),
                page(1, 3, 3, 2));
        assertColour(get("FIF=stack.tif&JTLS=2,2,1,90"), 3, 3, page(2, 259, 3, 0), page(2, 259, 3, 1),
                page(2, 259, 3, 2));
        Http.Reply cvt = get("FIF=stack.tif&SDS=2&RGN=0,0,0.5,0.5&WID=280&CVT=jpeg");
        assertEquals(280, cvt.image().getWidth());
        assertColour(cvt, 100, 50, page(2, 100, 50, 0), page(2, 100, 50, 1), page(2, 100, 50, 2));
        assertColour(get("FIF=pages.tif&SDS=1,90&JTL=0,1"), 10, 10, page(1, 266, 10, 0), page(1, 266, 10, 1),
                page(1, 266, 10, 2));
        // Angles mean nothing to a single image.
        assertEquals(200, get("FIF=plain.tif&SDS=5,0&JTL=0,0").status());
    }

    @Test
    void theIiifDelimiterSelectsTheStackPage() throws Exception {
        for (String url : new String[] {iiif + "stack.tif;1/0,0,128,96/max/0/default.png",
            iiif + "stack.tif%3B1/0,0,128,96/max/0/default.png",
            server.iipUrl() + "?IIIF=stack.tif;1/0,0,128,96/max/0/default.png"}) {
            Http.Reply r = Http.get(url);
            assertEquals(200, r.status(), url + ": " + r.text());
            assertExactly(r.image(), (x, y, c) -> page(1, x, y, c), url);
        }
        assertExactly(Http.get(iiif + "stack.tif;2/256,0,256,256/max/0/default.png").image(),
                (x, y, c) -> page(2, 256 + x, y, c), "page 2 tile");
        assertExactly(Http.get(iiif + "stack.tif/256,0,256,256/max/0/default.png").image(),
                (x, y, c) -> page(0, 256 + x, y, c), "page 0 tile");
        // info.json describes the page (page 2 is narrower), keeping the page in its id.
        String info = Http.get(iiif + "stack.tif;2/info.json").text();
        assertTrue(info.contains("\"width\" : 560"), info);
        assertTrue(info.contains("/iiif/stack.tif;2\""), info);
        assertTrue(Http.get(iiif + "stack.tif/info.json").text().contains("\"width\" : 600"));
    }

    private static void assertExactly(BufferedImage img, TiffWriter.PixelFunction expected, String what) {
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int px = img.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    assertEquals((int) expected.sample(x, y, c), Pixels.channel(px, c),
                            what + ": channel " + c + " at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void missingPagesAreNotFound() throws Exception {
        assertNotFound(get("FIF=stack.tif&SDS=3&JTL=0,0"));
        assertNotFound(get("FIF=stack.tif&SDS=-1,90&CVT=jpeg"));
        assertNotFound(Http.get(iiif + "stack.tif;7/full/max/0/default.jpg"));
        assertNotFound(Http.get(iiif + "stack.tif;7/info.json"));
    }

    // ---- sequences ---------------------------------------------------------------------------

    @Test
    void sequenceObjectsListTheViews() throws Exception {
        assertArrayEquals(new String[] {"Horizontal-views:0 90 180", "Vertical-views:45 90", "Max-size:300 200"},
                lines(get("FIF=obj&OBJ=Horizontal-views&OBJ=Vertical-views&OBJ=Max-size")));
        assertArrayEquals(new String[] {"Horizontal-views:0 1 2"}, lines(get("FIF=bands&OBJ=Horizontal-views")));
    }

    @Test
    void anglesSelectTheSequenceFile() throws Exception {
        assertColour(get("FIF=obj&JTL=1,0"), 20, 30, view(0, 90, 20, 30, 0), 90, view(0, 90, 20, 30, 2));
        for (int[] hv : new int[][] {{90, 90}, {180, 90}, {0, 45}, {0, 90}}) {
            assertColour(get("FIF=obj&SDS=" + hv[0] + "," + hv[1] + "&JTL=1,0"), 20, 30, hv[0], hv[1],
                    view(hv[0], hv[1], 20, 30, 2));
        }
        assertColour(get("FIF=obj&JTLS=180,1,1,90"), 5, 5, 180, 90, view(180, 90, 261, 5, 2));
        assertColour(get("FIF=obj&SDS=90,90&WID=150&CVT=jpeg"), 10, 10, 90, 90, view(90, 90, 20, 20, 2));
        Http.Reply png = Http.get(iiif + "obj;180/0,0,64,64/max/0/default.png");
        assertEquals(200, png.status(), png.text());
        assertExactly(png.image(), (x, y, c) -> view(180, 90, x, y, c), "IIIF view 180");
    }

    @Test
    void missingSequencesAndViewsAreNotFound() throws Exception {
        assertNotFound(get("FIF=obj&SDS=45,90&JTL=1,0"));
        // SDS with one value sets the vertical angle to 0: no obj_pyr_090_000.
        assertNotFound(get("FIF=obj&SDS=90&JTL=1,0"));
        assertNotFound(Http.get(iiif + "obj;45/full/max/0/default.jpg"));
        // A view only a non-canonical name would match, glob characters, a stem with no 0/90 file.
        assertNotFound(get("FIF=obj&SDS=7,90&JTL=1,0"));
        assertNotFound(get("FIF=ob*&OBJ=Max-size"));
        assertNotFound(get("FIF=o%3Fj&OBJ=Max-size"));
        assertNotFound(get("FIF=nothing&OBJ=Max-size"));
        assertNotFound(get("FIF=../images/obj&OBJ=Max-size"));
    }

    @Test
    void filenamePatternNamesTheSequenceAndTheSuffixIsNotUsed(@TempDir Path own) throws Exception {
        for (int h : new int[] {0, 10, 350}) {
            TiffWriter.builder().size(100, 80).tile(64, 64).compression(Compression.DEFLATE)
                    .pixels((x, y, c) -> view(h, 90, x, y, c))
                    .write(own.resolve(TiffWriter.sequenceName("cube", "-view-", h, 90, "tiff")));
        }
        try (TestServer other = TestServer.start(Map.of("FILESYSTEM_PREFIX", own + "/", "FILENAME_PATTERN",
                "-view-", "FILESYSTEM_SUFFIX", ".tif"))) {
            String url = other.iipUrl() + "?";
            assertArrayEquals(new String[] {"Horizontal-views:0 10 350", "Vertical-views:90"},
                    lines(Http.get(url + "FIF=cube&OBJ=Horizontal-views&OBJ=Vertical-views")));
            // Red 350 is stored clipped to 255.
            assertColour(Http.get(url + "FIF=cube&SDS=350,90&JTL=1,0"), 7, 7, 255, 90, view(350, 90, 7, 7, 2));
            assertColour(Http.get(url + "FIF=cube&SDS=10,90&JTL=1,0"), 7, 7, 10, 90, view(10, 90, 7, 7, 2));
        }
    }

    // ---- multispectral: SPECTRA and PFL ------------------------------------------------------

    private static String spectra(String... points) {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<spectra>\n");
        for (int i = 0; i < points.length; i += 2) {
            b.append("\t<point>\n\t\t<wavelength>").append(points[i]).append("</wavelength>\n\t\t<reflectance>")
                    .append(points[i + 1]).append("</reflectance>\n\t</point>\n");
        }
        return b.append("</spectra>").toString();
    }

    @Test
    void spectraReadsEveryBand() throws Exception {
        Http.Reply r = get("FIF=bands&SPECTRA=1,0,5,5");
        assertEquals(200, r.status());
        assertEquals("application/xml", r.contentType());
        // 41, 91, 141 of 255
        assertEquals(spectra("0", "0.160784", "1", "0.356863", "2", "0.552941"), r.text());
        // The second tile of the level starts at x = 256: x 258 is 2 mod 4.
        assertEquals(spectra("0", "0.164706", "1", "0.360784", "2", "0.556863"),
                get("FIF=bands&SPECTRA=1,1,2,199").text());
        // A stack names its bands by DocumentName; 16-bit values are fractions of 65535.
        assertEquals(spectra("450", "0.015290", "550", "0.030549", "650", "0.045808"),
                get("FIF=spectral.tif&SPECTRA=1,0,2,0").text());
        // A single image is one band.
        assertEquals(spectra("0", String.format(Locale.ROOT, "%f", TestImages.rgb(7, 9, 0) / 255)),
                get("FIF=plain.tif&SPECTRA=1,0,7,9").text());
    }

    @Test
    void spectraErrors() throws Exception {
        String outside = "SPECTRA :: Error: x,y coordinates outside of tile boundaries";
        for (String q : new String[] {"FIF=bands&SPECTRA=1,0,256,0", "FIF=bands&SPECTRA=1,0,-1,0",
            "FIF=bands&SPECTRA=1,0,0,256", "FIF=bands&SPECTRA=1,1,100,0"}) {
            Http.Reply r = get(q);
            assertEquals(400, r.status(), q);
            assertEquals(outside, r.text(), q);
        }
        assertNotFound(get("FIF=bands&SPECTRA=1,9,0,0"));
        assertNotFound(get("FIF=bands&SPECTRA=5,0,0,0"));
        assertEquals("Error/4:1 3 ", lines(get("SPECTRA=1,0,0,0"))[2]);
    }

    @Test
    void profilesOfEveryBand() throws Exception {
        Http.Reply r = get("FIF=bands&PFL=1:4,5-8,5");
        assertEquals(200, r.status());
        assertEquals("application/json", r.contentType());
        assertEquals("{\n\t\"profile\": {\n\t\t\"0\": [40,41,42,43],\n\t\t\"1\": [90,91,92,93],"
                + "\n\t\t\"2\": [140,141,142,143]\n\t}\n}", r.text());
        // Vertical, a single point, and a line ending at the level's edge.
        assertEquals("{\n\t\"profile\": {\n\t\t\"0\": [41,41,41],\n\t\t\"1\": [91,91,91],"
                + "\n\t\t\"2\": [141,141,141]\n\t}\n}", get("FIF=bands&PFL=1:5,0-5,3").text());
        assertEquals("{\n\t\"profile\": {\n\t\t\"0\": [42],\n\t\t\"1\": [92],\n\t\t\"2\": [142]\n\t}\n}",
                get("FIF=bands&PFL=1:6,0").text());
        assertEquals("{\n\t\"profile\": {\n\t\t\"0\": [42,43],\n\t\t\"1\": [92,93],\n\t\t\"2\": [142,143]\n\t}\n}",
                get("FIF=bands&PFL=1:298,199-300,199").text());
        // A stack: wavelengths as names, samples times each page's STONITS.
        assertEquals("{\n\t\"profile\": {\n\t\t\"450\": [1000,1001,1002],\n\t\t\"550\": [1000,1000.5,1001],"
                + "\n\t\t\"650\": [6000,6002,6004]\n\t}\n}", get("FIF=spectral.tif&PFL=1:0,0-3,0").text());
    }

    @Test
    void profilesOfSingleImages() throws Exception {
        StringBuilder rgb = new StringBuilder("{\n\t\"profile\": [");
        for (int x = 10; x < 12; x++) {
            for (int c = 0; c < 3; c++) {
                rgb.append(x == 10 && c == 0 ? "" : ",").append((int) TestImages.rgb(x, 20, c));
            }
        }
        assertEquals(rgb.append("]\n}").toString(), get("FIF=plain.tif&PFL=1:10,20-12,20").text());
        assertEquals(String.format(Locale.ROOT, "{\n\t\"profile\": [%.9f]\n}", (float) TestImages.elevation(3, 4, 0)),
                get("FIF=float.tif&PFL=1:3,4").text());
    }

    /** Errors with a real status (iipsrv answers them with its banner page and a 200). */
    @Test
    void profileErrors() throws Exception {
        for (String q : new String[] {"FIF=bands&PFL=9:0,0", "FIF=bands&PFL=-1:0,0"}) {
            Http.Reply r = get(q);
            assertEquals(404, r.status(), q);
            assertEquals("Asked for non-existent resolution: " + q.substring(q.indexOf('=', 9) + 1, q.indexOf(':')),
                    r.text(), q);
        }
        for (String q : new String[] {"FIF=bands&PFL=1:300,0", "FIF=bands&PFL=1:0,200", "FIF=bands&PFL=1:0,0-301,0",
            "FIF=bands&PFL=1", "FIF=bands&PFL=1:2147483647,10-100,10", "FIF=bands&PFL=1:10,2147483647-10,9"}) {
            Http.Reply r = get(q);
            assertEquals(400, r.status(), q);
            assertTrue(r.contentType().startsWith("text/plain"), q);
        }
        assertEquals("Error/4:1 3 ", lines(get("PFL=1:0,0"))[2]);
    }

    // ---- palettes and LYR --------------------------------------------------------------------

    private static double paletteColour(int x, int y, int c) {
        return paletteMap[c * 256 + paletteIndex(x, y)] / 257;
    }

    @Test
    void paletteImagesShowTheirColours() throws Exception {
        assertArrayEquals(new String[] {"Colorspace,0-0,0:0 0 3 3 0 1 2", "Bits-per-channel:8",
            "Min-Max-sample-values: 0  255  0  255  0  255"},
                lines(get("FIF=palette.tif&OBJ=colorspace&OBJ=Bits-per-channel&OBJ=Min-Max-sample-values")));
        Http.Reply png = Http.get(iiif + "palette.tif/full/max/0/default.png");
        assertEquals(200, png.status(), png.text());
        assertExactly(png.image(), MultiImageSourcesTest::paletteColour, "palette");
        BufferedImage jpeg = get("FIF=palette.tif&JTL=0,0").image();
        assertEquals(128, jpeg.getWidth());
        for (int y = 8; y < 128; y += 16) {
            for (int x = 8; x < 128; x += 16) {
                int px = jpeg.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    assertEquals(paletteColour(x, y, c), Pixels.channel(px, c), 4, x + "," + y + " channel " + c);
                }
            }
        }
    }

    @Test
    void layersChangeNothingOnTiff() throws Exception {
        byte[] plain = get("FIF=stack.tif&SDS=1&JTL=2,1").body();
        assertArrayEquals(plain, get("FIF=stack.tif&LYR=3&SDS=1&JTL=2,1").body());
        assertArrayEquals(plain, get("FIF=stack.tif&SDS=1&LYR=abc&JTL=2,1").body());
        assertArrayEquals(get("FIF=plain.tif&WID=100&CVT=jpeg").body(),
                get("FIF=plain.tif&LYR=1&WID=100&CVT=jpeg").body());
    }
}
