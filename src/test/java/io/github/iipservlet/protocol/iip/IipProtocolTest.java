package io.github.iipservlet.protocol.iip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Jpegs;
import io.github.iipservlet.testsupport.Pixels;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IIP protocol through the real webapp in embedded Jetty, on pyramids written by the tests:
 * the figures are those of the test image of docs/protocols.md (a 1000x700 image, 256x256 tiles,
 * three levels), as in its examples in docs/protocols.md 2.2, 3.2, 3.3 and 4.5.
 */
class IipProtocolTest {
    @TempDir
    static Path tmp;
    static Path images;
    static TestServer server;
    static String iip;
    static TiffWriter.Written deflate;
    static TiffWriter.Written jpeg;

    @BeforeAll
    static void start() throws Exception {
        images = Files.createDirectories(tmp.resolve("images"));
        jpeg = TiffWriter.builder().size(1000, 700).tile(256, 256).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).tag("Artist", "Jane Doe")
                .tag("Copyright", "Copyright Test 2024").resolution(28.34, 28.34, 3).write(images.resolve("test.tif"));
        deflate = TiffWriter.builder().size(1000, 700).tile(256, 256).compression(TiffWriter.Compression.DEFLATE)
                .predictor(2).photometric(TiffWriter.Photometric.RGB).write(images.resolve("deflate.tif"));
        TiffWriter.builder().size(600, 400).tile(256, 256).channels(1).bits(16)
                .photometric(TiffWriter.Photometric.MINISBLACK).compression(TiffWriter.Compression.DEFLATE)
                .predictor(2).pixels(TestImages::grey16).write(images.resolve("grey16.tif"));
        Files.write(images.resolve("picture.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
        Files.write(images.resolve("picture.gif"), "GIF89a\1\0\1\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        // A valid TIFF outside the served folder, and a symlink to it inside: neither may be read.
        TiffWriter.builder().size(300, 200).write(tmp.resolve("secret.tif"));
        Files.createSymbolicLink(images.resolve("escape.tif"), tmp.resolve("secret.tif"));
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "CORS", "*"));
        iip = server.iipUrl() + "?";
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Http.Reply get(String query, String... headers) throws Exception {
        return Http.get(iip + query, headers);
    }

    private static String[] lines(Http.Reply r) {
        return r.text().split("\r\n");
    }

    // ---- OBJ -------------------------------------------------------------------------------

    @Test
    void objectsDescribeTheImage() throws Exception {
        Http.Reply r = get("FIF=test.tif&OBJ=IIP,1.0&OBJ=Max-size&OBJ=Tile-size&OBJ=Resolution-number"
                + "&OBJ=Bits-per-channel&OBJ=Horizontal-views&OBJ=Vertical-views&OBJ=Min-Max-sample-values"
                + "&OBJ=Resolutions&OBJ=colorspace,0-2,0&OBJ=dpi");
        assertEquals(200, r.status());
        assertEquals("application/vnd.netfpx", r.contentType());
        assertEquals("1.3", r.header("IIP"));
        assertTrue(r.header("Server").startsWith("iip-servlet/"), r.header("Server"));
        assertEquals("IIPImage", r.header("X-Powered-By"));
        assertEquals("max-age=86400", r.header("Cache-Control"));
        assertNotNull(r.header("Last-Modified"));
        assertEquals("*", r.header("Access-Control-Allow-Origin"));
        assertArrayEquals(new String[] {"Max-size:1000 700", "Tile-size:256 256", "Resolution-number:3",
            "Bits-per-channel:8", "Horizontal-views:0", "Vertical-views:90",
            "Min-Max-sample-values: 0  255  0  255  0  255", "Resolutions:250 175,500 350,1000 700",
            "Colorspace,0-2,0:0 0 3 3 0 1 2", "DPI:2834.000000 2834.000000"}, lines(r));
    }

    @Test
    void objectsFollowRotationAndSixteenBitRanges() throws Exception {
        assertArrayEquals(new String[] {"Max-size:1000 700", "Max-size:700 1000"},
                lines(get("FIF=test.tif&OBJ=Max-size&ROT=90&OBJ=Max-size")));
        assertArrayEquals(new String[] {"Bits-per-channel:16", "Min-Max-sample-values: 0  65535",
            "Colorspace,0-2,0:0 0 1 1 0"},
                lines(get("FIF=grey16.tif&OBJ=Bits-per-channel&OBJ=Min-Max-sample-values&OBJ=colorspace")));
        assertArrayEquals(new String[] {"Min-Max-sample-values: 10  200"},
                lines(get("FIF=grey16.tif&MINMAX=0:10,200&OBJ=Min-Max-sample-values")));
    }

    @Test
    void metadataObjects() throws Exception {
        Http.Reply rights = get("FIF=test.tif&OBJ=rights");
        assertEquals("text/plain", rights.contentType());
        assertEquals("Copyright Test 2024\r\n", rights.text());
        assertEquals("Copyright Test 2024\r\nJane Doe\r\n", get("FIF=test.tif&OBJ=summary-info").text());
        Http.Reply json = get("FIF=test.tif&OBJ=metadata");
        assertEquals("application/json", json.contentType());
        assertEquals("{ \n\t\"creator\": \"Jane Doe\",\n\t\"rights\": \"Copyright Test 2024\"\n}\r\n", json.text());
    }

    @Test
    void iipErrorsCarryTheirFullLength() throws Exception {
        Http.Reply none = get("FIF=test.tif&OBJ=title");
        assertEquals(200, none.status());
        assertEquals("no-cache", none.header("Cache-Control"));
        assertNull(none.header("X-Powered-By"));
        assertEquals("Content-Disposition: inline;filename=\"IIPisAMadGameClosedToOurUnderstanding.netfpx\"\r\n"
                + "\r\nError/26:2 1 FIF=test.tif&OBJ=title\r\n", none.text());
        assertTrue(get("FIF=test.tif&OBJ=copyright").text().endsWith("\r\nError/13:3 2 copyright\r\n"));
        assertTrue(get("FIF=test.tif&OBJ=Max-size&OBJ=bogus").text().endsWith("\r\n\r\nError/9:3 2 bogus\r\n"));
        assertTrue(get("OBJ=Max-size").text().endsWith("\r\nError/12:1 3 max-size\r\n"));
        assertTrue(get("JTL=0,0").text().endsWith("\r\nError/4:1 3 \r\n"));
        assertTrue(get("FIF=test.tif&FOO=1&OBJ=Max-size").text().endsWith("\r\nError/7:2 2 FOO\r\n"));
        // iipsrv truncates this line to 31 characters; we do not (docs/decisions.md Decision 2).
        assertTrue(get("FIF=test.tif&WID=100").text().endsWith("\r\nError/24:2 1 FIF=test.tif&WID=100\r\n"));
    }

    @Test
    void iipHeaderAloneReproducesIipsrvFraming() throws Exception {
        Http.Reply r = get("OBJ=IIP,1.0");
        assertEquals(200, r.status());
        assertEquals("Content-Type: application/vnd.netfpx\r\nIIP:1.3\r\n\r\n", r.text());
    }

    // ---- tiles -------------------------------------------------------------------------------

    @Test
    void tilesAreCroppedAtTheEdgesAndCarryLevelDensity() throws Exception {
        Http.Reply r = get("FIF=test.tif&JTL=0,0");
        assertEquals(200, r.status());
        assertEquals("image/jpeg", r.contentType());
        assertEquals(String.valueOf(r.body().length), r.header("Content-Length"));
        BufferedImage smallest = r.image();
        assertEquals(250, smallest.getWidth());
        assertEquals(175, smallest.getHeight());
        assertArrayEquals(new int[] {2, 7, 7}, Jpegs.jfifDensity(r.body()));
        assertTrue(Jpegs.comment(r.body()).startsWith("iip-servlet/"));
        BufferedImage edge = get("FIF=test.tif&JTL=2,3").image();
        assertEquals(232, edge.getWidth());
        assertEquals(256, edge.getHeight());
        BufferedImage corner = get("FIF=test.tif&JTL=2,11").image();
        assertEquals(232, corner.getWidth());
        assertEquals(188, corner.getHeight());
    }

    @Test
    void storedJpegTilesPassThroughUnlessProcessingOrQualityAsks() throws Exception {
        byte[] passed = get("FIF=test.tif&JTL=2,1").body();
        assertNull(Jpegs.jfifDensity(passed), "pass-through keeps the stored stream, which has no JFIF");
        assertNull(Jpegs.comment(passed));
        BufferedImage img = Http.get(iip + "FIF=test.tif&JTL=2,1").image();
        assertEquals(256, img.getWidth());
        assertTrue(Pixels.psnr(img, (x, y, c) -> TestImages.rgb(x + 256, y, c), 3) > 30);
        assertNotNull(Jpegs.jfifDensity(get("FIF=test.tif&QLT=90&JTL=2,0").body()));
        assertNotNull(Jpegs.jfifDensity(get("FIF=test.tif&CNT=1.5&JTL=2,1").body()));
    }

    @Test
    void losslessTilesShowTheStoredPixels() throws Exception {
        BufferedImage tile = get("FIF=deflate.tif&QLT=100&JTL=2,5").image();
        // Tile 5 of the full level: column 1, row 1. (JPEG's 4:2:0 chroma costs some dB on the grid lines.)
        assertTrue(Pixels.psnr(tile, (x, y, c) -> deflate.sample(0, x + 256, y + 256, c), 3) > 33);
        BufferedImage level1 = get("FIF=deflate.tif&QLT=100&JTL=1,1").image();
        assertEquals(244, level1.getWidth());
        assertTrue(Pixels.psnr(level1, (x, y, c) -> deflate.sample(1, x + 256, y, c), 3) > 33);
    }

    @Test
    void processingChangesPixels() throws Exception {
        BufferedImage inv = get("FIF=deflate.tif&QLT=100&INV&JTL=2,0").image();
        assertTrue(Pixels.psnr(inv, (x, y, c) -> 255 - deflate.sample(0, x, y, c), 3) > 30);
        BufferedImage grey = get("FIF=deflate.tif&QLT=100&COL=gray&JTL=2,0").image();
        assertEquals(1, grey.getRaster().getNumBands());
        assertTrue(Pixels.psnr(grey, (x, y, c) -> 0.299 * deflate.sample(0, x, y, 0)
                + 0.587 * deflate.sample(0, x, y, 1) + 0.114 * deflate.sample(0, x, y, 2), 1) > 33);
        BufferedImage contrast = get("FIF=deflate.tif&QLT=100&CNT=1.5&JTL=2,0").image();
        assertTrue(Pixels.psnr(contrast, (x, y, c) -> Math.min(255, Math.floor(deflate.sample(0, x, y, c) * 1.5)),
                3) > 30);
    }

    @Test
    void rotationTurnsTilesAndTheTileGrid() throws Exception {
        BufferedImage r90 = get("FIF=deflate.tif&QLT=100&ROT=90&JTL=2,3").image();
        assertEquals(256, r90.getWidth());
        assertEquals(232, r90.getHeight());
        // Clockwise: output (x, y) shows tile pixel (y, 255 - x); tile 3 starts at x = 768.
        assertTrue(Pixels.psnr(r90, (x, y, c) -> deflate.sample(0, 768 + y, 255 - x, c), 3) > 27);
        assertTrue(Pixels.psnr(r90, (x, y, c) -> deflate.sample(0, 768 + 231 - y, x, c), 3) < 20, "anticlockwise");
        BufferedImage r180 = get("FIF=deflate.tif&QLT=100&ROT=180&JTL=2,0").image();
        assertEquals(232, r180.getWidth());
        assertEquals(188, r180.getHeight());
        assertTrue(Pixels.psnr(r180, (x, y, c) -> deflate.sample(0, 999 - x, 699 - y, c), 3) > 30);
    }

    @Test
    void badTileRequests() throws Exception {
        Http.Reply missing = get("FIF=test.tif&JTL=2,12");
        assertEquals(404, missing.status());
        assertEquals("text/plain;charset=utf-8", missing.contentType().toLowerCase().replace(" ", ""));
        assertEquals("no-cache", missing.header("Cache-Control"));
        assertFalse(missing.text().contains("/"), missing.text());
        // iipsrv answers a resolution that does not exist with its banner page and a 200.
        Http.Reply level = get("FIF=test.tif&JTL=5,0");
        assertEquals(404, level.status());
        assertEquals("Asked for non-existent resolution: 5", level.text());
    }

    @Test
    void tilStreamsTilesColumnByColumn() throws Exception {
        Http.Reply r = get("FIF=test.tif&TIL=1,0-3");
        assertEquals("application/vnd.netfpx", r.contentType());
        String text = r.text();
        int t0 = text.indexOf("Tile,1,0,0/");
        int t2 = text.indexOf("Tile,1,2,0/");
        int t1 = text.indexOf("Tile,1,1,0/");
        int t3 = text.indexOf("Tile,1,3,0/");
        assertTrue(t0 == 0 && t0 < t2 && t2 < t1 && t1 < t3, text.substring(0, 20));
    }

    // ---- CVT ---------------------------------------------------------------------------------

    @Test
    void cvtSizesFollowIipsrv() throws Exception {
        Http.Reply r = get("FIF=test.tif&WID=300&CVT=jpeg");
        assertEquals("image/jpeg", r.contentType());
        assertEquals("inline; filename=\"test_300x210.jpg\"", r.header("Content-Disposition"));
        assertEquals(300, r.image().getWidth());
        assertEquals(210, r.image().getHeight());
        assertArrayEquals(new int[] {2, 14, 14}, Jpegs.jfifDensity(r.body()));
        assertSize(143, 100, "FIF=test.tif&HEI=100&CVT=jpeg");
        assertSize(300, 210, "FIF=test.tif&WID=300&HEI=300&CVT=jpeg");
        assertSize(200, 140, "FIF=test.tif&RGN=0.25,0.25,0.5,0.5&WID=200&CVT=jpeg");
        assertSize(1000, 700, "FIF=test.tif&RGN=0.5,0.5,0.6,0.6&CVT=jpeg");
        assertSize(100, 70, "FIF=test.tif&RGN=0.5,0.5,0,0.6&WID=100&CVT=jpeg");
        assertSize(5000, 3500, "FIF=test.tif&WID=6000&CVT=jpeg");
        assertSize(300, 210, "FIF=test.tif&WID=300&CVT=foo");
        assertSize(1000, 700, "FIF=test.tif&CVT=jpeg&WID=100");
        Http.Reply rotated = get("FIF=test.tif&WID=300&ROT=90&CVT=jpeg");
        assertEquals(210, rotated.image().getWidth());
        assertEquals("inline; filename=\"test_300x210.jpg\"", rotated.header("Content-Disposition"));
    }

    private static void assertSize(int w, int h, String query) throws Exception {
        BufferedImage img = get(query).image();
        assertEquals(w + "x" + h, img.getWidth() + "x" + img.getHeight(), query);
    }

    @Test
    void cvtRegionShowsTheRightPixels() throws Exception {
        // The central quarter of deflate.tif at 250 wide comes from the 500x350 level, unscaled.
        BufferedImage img = get("FIF=deflate.tif&RGN=0.25,0.25,0.5,0.5&WID=250&QLT=100&CVT=jpeg").image();
        assertEquals(250, img.getWidth());
        assertEquals(175, img.getHeight());
        assertTrue(Pixels.psnr(img, (x, y, c) -> deflate.sample(1, x + 125, y + 88, c), 3) > 35);
    }

    @Test
    void jpegRegionsAssembleTilesExactly() throws Exception {
        // Level 0 pixels 200..800 x 210..560: tiles (1,1) and (2,1) lie wholly inside, the rest partly.
        BufferedImage full = get("FIF=test.tif&RGN=0.2,0.3,0.6,0.5&WID=600&QLT=100&CVT=jpeg").image();
        assertEquals(600, full.getWidth());
        assertEquals(350, full.getHeight());
        assertTrue(Pixels.psnr(full, (x, y, c) -> jpeg.sample(0, x + 200, y + 210, c), 3) > 30);
        // Level 1 pixels 50..350 x 35..245: parts of two tiles.
        BufferedImage half = get("FIF=test.tif&RGN=0.1,0.1,0.6,0.6&WID=300&QLT=100&CVT=jpeg").image();
        assertEquals(300, half.getWidth());
        assertEquals(210, half.getHeight());
        assertTrue(Pixels.psnr(half, (x, y, c) -> jpeg.sample(1, x + 50, y + 35, c), 3) > 30);
    }

    @Test
    void sixteenBitIsReducedToEightBitGrey() throws Exception {
        BufferedImage img = get("FIF=grey16.tif&QLT=100&CVT=jpeg").image();
        assertEquals(600, img.getWidth());
        assertEquals(1, img.getRaster().getNumBands());
        assertTrue(Pixels.psnr(img, (x, y, c) -> ((int) TestImages.grey16(x, y, 0)) >> 8, 1) > 30);
    }

    @Test
    void postBodyIsARequestAndGivesAnAttachment() throws Exception {
        Http.Reply r = Http.send("POST", server.iipUrl(), "FIF=test.tif&WID=300&CVT=jpeg", "Content-Type",
                "application/x-www-form-urlencoded");
        assertEquals(200, r.status());
        assertEquals("attachment; filename=\"test_300x210.jpg\"", r.header("Content-Disposition"));
    }

    // ---- HTTP ----------------------------------------------------------------------------------

    @Test
    void conditionalRequestsAndMethods() throws Exception {
        String lastModified = get("FIF=test.tif&OBJ=Max-size").header("Last-Modified");
        Http.Reply same = get("FIF=test.tif&JTL=0,0", "If-Modified-Since", lastModified);
        assertEquals(304, same.status());
        assertEquals(0, same.body().length);
        long millis = Files.getLastModifiedTime(images.resolve("test.tif")).toMillis() + 1000;
        String later = io.github.iipservlet.protocol.HttpReplies.httpDate(millis);
        assertEquals(200, get("FIF=test.tif&OBJ=Max-size", "If-Modified-Since", later).status());
        // HEAD is GET without the body (iipsrv answers 405).
        Http.Reply head = Http.send("HEAD", iip + "FIF=test.tif&OBJ=Max-size", null);
        assertEquals(200, head.status());
        assertEquals(0, head.body().length);
        assertEquals(405, Http.send("PUT", iip + "FIF=test.tif&OBJ=Max-size", "").status());
        Http.Reply options = Http.send("OPTIONS", iip + "FIF=test.tif", null);
        assertEquals(204, options.status());
        assertEquals("*", options.header("Access-Control-Allow-Origin"));
        Http.Reply advert = Http.get(server.iipUrl());
        assertEquals(200, advert.status());
        assertTrue(advert.text().contains("IIPImage Server"));
        assertEquals(200, Http.get(server.baseUrl() + "/iipsrv.fcgi?FIF=test.tif&OBJ=Max-size").status());
    }

    @Test
    void unsupportedAndMissingFilesGiveA404() throws Exception {
        // iipsrv answers a file it does not read with its banner page and a 200.
        Http.Reply gif = get("FIF=picture.gif&OBJ=Max-size");
        assertEquals(404, gif.status());
        assertEquals("Unsupported image", gif.text());
        // A PNG is served (docs/protocols.md 9.6), but not one that ends after its signature.
        assertEquals(404, get("FIF=picture.png&OBJ=Max-size").status());
        Http.Reply missing = get("FIF=missing.tif&OBJ=Max-size");
        assertEquals(404, missing.status());
        assertFalse(missing.text().contains(images.toString()));
    }

    @Test
    void traversalNeverReadsOutsideThePrefix() throws Exception {
        String secret = tmp.resolve("secret.tif").toString();
        for (String q : new String[] {"FIF=../secret.tif", "FIF=%2e%2e%2fsecret.tif", "FIF=..%2Fsecret.tif",
            "FIF=" + secret, "FIF=sub/../../secret.tif", "FIF=escape.tif", "FIF=test.tif%00.png",
            "FIF=..%5Csecret.tif", "FIF=....//secret.tif"}) {
            Http.Reply r = get(q + "&OBJ=Max-size");
            assertEquals(404, r.status(), q);
            assertFalse(r.text().contains("Max-size"), q);
            assertFalse(r.text().contains(tmp.toString()), q);
        }
    }

    @Test
    void aReplacedFileIsReadAgain(@TempDir Path own) throws Exception {
        Path file = images.resolve("replaced.tif");
        TiffWriter.builder().size(300, 200).write(file);
        assertEquals("Max-size:300 200\r\n", get("FIF=replaced.tif&OBJ=Max-size").text());
        TiffWriter.builder().size(320, 240).write(own.resolve("next.tif"));
        Files.move(own.resolve("next.tif"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertEquals("Max-size:320 240\r\n", get("FIF=replaced.tif&OBJ=Max-size").text());
    }

    @Test
    void floatImagesAreNormalised() throws Exception {
        TiffWriter.builder().size(300, 200).channels(1).bits(32).sampleType(SampleType.FLOAT)
                .photometric(TiffWriter.Photometric.MINISBLACK).compression(TiffWriter.Compression.DEFLATE)
                .predictor(3).minMax(new double[] {-500}, new double[] {1500}).pixels(TestImages::elevation)
                .write(images.resolve("dem.tif"));
        BufferedImage img = get("FIF=dem.tif&QLT=100&JTL=1,0").image();
        assertEquals(1, img.getRaster().getNumBands());
        assertTrue(Pixels.psnr(img, (x, y, c) -> Math.max(0, Math.min(255,
                Math.floor((TestImages.elevation(x, y, 0) + 500) / 2000 * 255))), 1) > 30);
    }
}
