package io.github.iipservlet.protocol.iiif;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The region and size parameters at their edges, as the IIIF Image API 3.0 and 2.1 texts say
 * (3.0 sections 4, 4.1, 4.2, 4.7, 9; 2.1 sections 4, 4.1, 4.2, 5.2, 9), where iipsrv's float
 * arithmetic and lenient number parsing answer otherwise. The image is 1000x1536 (deflate, so a
 * PNG reply holds the stored pixels exactly); the spec's own examples use a 300x200 one.
 */
class IiifEdgeSizesTest {
    private static final String V2 = "application/ld+json;profile=\"http://iiif.io/api/image/2/context.json\"";

    @TempDir
    static Path tmp;
    static TiffWriter.Written tall;
    /** IIIF 3, MAX_CVT 5000 (the default). */
    static TestServer v3;
    /** MAX_CVT 1000: maxWidth and maxHeight below the image's height. */
    static TestServer limited;
    /** ALLOW_UPSCALING=0. */
    static TestServer noUpscaling;

    @BeforeAll
    static void start() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        tall = TiffWriter.builder().size(1000, 1536).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("tall.tif"));
        TiffWriter.builder().size(300, 200).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("spec.tif"));
        TiffWriter.builder().size(1000, 700).write(images.resolve("wide.tif"));
        // A file name holding percent signs, as /list/ shows it and the viewer escapes it.
        TiffWriter.builder().size(300, 200).write(images.resolve("pct%2e%2e.tif"));
        TiffWriter.builder().size(200, 100).write(Files.createDirectories(images.resolve("sub"))
                .resolve("pct%2e%2e.tif"));
        TiffWriter.builder().size(300, 200).write(tmp.resolve("secret.tif"));
        v3 = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/"));
        limited = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "MAX_CVT", "1000"));
        noUpscaling = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "ALLOW_UPSCALING", "0"));
    }

    @AfterAll
    static void stop() throws Exception {
        v3.close();
        limited.close();
        noUpscaling.close();
    }

    private static String url(TestServer server, String params) {
        return server.baseUrl() + "/iiif/tall.tif/" + params;
    }

    private static Http.Reply ok(String url, String... headers) throws Exception {
        Http.Reply r = Http.get(url, headers);
        assertEquals(200, r.status(), () -> url + ": " + r.text());
        return r;
    }

    private static String size(String url, String... headers) throws Exception {
        BufferedImage img = ok(url, headers).image();
        return img.getWidth() + "x" + img.getHeight();
    }

    private static void assertStatus(int status, String url, String... headers) throws Exception {
        Http.Reply r = Http.get(url, headers);
        assertEquals(status, r.status(), () -> url + ": " + r.text());
    }

    /** Every region (or size) of the list answered with the status, all failures reported at once. */
    private static void assertAll(int status, TestServer server, String format, List<String> values,
            String... headers) throws Exception {
        List<String> wrong = new ArrayList<>();
        for (String v : values) {
            String u = url(server, format.formatted(v));
            Http.Reply r = Http.get(u, headers);
            if (r.status() != status) {
                wrong.add("'" + v + "' -> " + r.status() + " " + r.text().lines().findFirst().orElse(""));
            }
        }
        assertTrue(wrong.isEmpty(), () -> "expected " + status + ":\n" + String.join("\n", wrong));
    }

    /** The reply's pixels are the stored level-0 pixels from (x0, y0) on. */
    private static void assertStoredPixels(BufferedImage img, int x0, int y0) {
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    int got = (rgb >> (16 - 8 * c)) & 0xff;
                    int want = (int) tall.sample(0, x0 + x, y0 + y, c);
                    if (got != want) {
                        throw new AssertionError("pixel " + x + "," + y + " channel " + c + " is " + got
                                + ", stored " + (x0 + x) + "," + (y0 + y) + " is " + want);
                    }
                }
            }
        }
    }

    // ---- finding 1: a region clipped to a sliver keeps its pixels ----------------------------------

    /** 3.0 and 2.1 section 4.1: a region past the edge is cropped at the edge, not refused. */
    @Test
    void regionClippedToOneRowIsThatRow() throws Exception {
        BufferedImage row = ok(url(v3, "0,1535,10,100/max/0/default.png")).image();
        assertEquals("10x1", row.getWidth() + "x" + row.getHeight());
        assertStoredPixels(row, 0, 1535);
        assertEquals("1x1", size(url(v3, "999,1535,5,5/max/0/default.jpg")));
        assertEquals("1x10", size(url(v3, "999,0,100,10/max/0/default.jpg")));
        assertEquals("10x1", size(url(v3, "0,1535,10,100/max/0/default.jpg"), "Accept", V2));
    }

    // ---- finding 2: pixel regions are whole level-0 pixels --------------------------------------------

    @Test
    void clippedPixelRegionKeepsEveryRemainingRow() throws Exception {
        BufferedImage img = ok(url(v3, "0,583,10,5000/max/0/default.png")).image();
        assertEquals("10x953", img.getWidth() + "x" + img.getHeight());
        assertStoredPixels(img, 0, 583);
        assertEquals("10x953", size(url(v3, "0,583,10,5000/full/0/default.jpg"), "Accept", V2));
        assertEquals("995x953", size(url(v3, "5,583,5000,5000/max/0/default.jpg")));
    }

    @Test
    void pixelRegionsAreExactlyThosePixels() throws Exception {
        for (int[] r : new int[][] {{0, 0, 7, 5}, {1, 583, 13, 11}, {255, 255, 2, 2}, {997, 1531, 3, 5},
            {333, 777, 100, 3}}) {
            String region = r[0] + "," + r[1] + "," + r[2] + "," + r[3];
            BufferedImage img = ok(url(v3, region + "/max/0/default.png")).image();
            assertEquals(r[2] + "x" + r[3], img.getWidth() + "x" + img.getHeight(), region);
            assertStoredPixels(img, r[0], r[1]);
        }
    }

    /**
     * pct: regions are percentages of the reported size; rounding is the server's (3.0 section
     * 4.7, 2.1 section 4): here each edge rounds to the nearest pixel, so a pct region is the
     * pixel region of its rounded edges. The spec's examples (3.0 section 4.1, a 300x200 image).
     */
    @Test
    void percentRegionsAreThePixelsOfTheirRoundedEdges() throws Exception {
        String spec = v3.baseUrl() + "/iiif/spec.tif/";
        assertArrayEquals(ok(spec + "125,15,120,140/max/0/default.png").body(),
                ok(spec + "pct:41.6,7.5,40,70/max/0/default.png").body());
        assertEquals("175x185", size(spec + "125,15,200,200/max/0/default.jpg"));
        assertEquals("175x185", size(spec + "pct:41.6,7.5,66.6,100/max/0/default.jpg"));
        // 10% of 1536 is 153.6: rows 154 to 922 (60% = 921.6).
        assertArrayEquals(ok(url(v3, "100,154,500,768/max/0/default.png")).body(),
                ok(url(v3, "pct:10,10,50,50/max/0/default.png")).body());
        // A sliver that overlaps the image keeps at least one pixel.
        assertEquals("1x1536", size(url(v3, "pct:99.99,0,0.01,100/max/0/default.jpg")));
    }

    /** 3.0 section 4.1 ("width and height are both equal to the length of the shorter dimension"). */
    @Test
    void squareIsTheShorterSide() throws Exception {
        BufferedImage img = ok(url(v3, "square/max/0/default.png")).image();
        assertEquals("1000x1000", img.getWidth() + "x" + img.getHeight());
        assertStoredPixels(img, 0, 268);
        assertEquals("200x200", size(v3.baseUrl() + "/iiif/spec.tif/square/max/0/default.jpg"));
        // iipsrv's single-precision fractions give 699x699 here.
        assertEquals("700x700", size(v3.baseUrl() + "/iiif/wide.tif/square/max/0/default.jpg"));
    }

    // ---- finding 3: sizes above maxWidth/maxHeight ----------------------------------------------------

    /**
     * 3.0 section 4.2: "the pixel dimensions of the scaled region MUST NOT be ... greater than the
     * server-imposed limits ... SHOULD result in a 400"; 2.1 section 5.2: larger requests are
     * "rejected". maxWidth = maxHeight = MAX_CVT (5000 here).
     */
    @Test
    void sizesAboveTheLimitsAreRefused() throws Exception {
        assertTrue(ok(v3.baseUrl() + "/iiif/tall.tif/info.json").text().contains("\"maxWidth\" : 5000"));
        assertAll(400, v3, "full/%s/0/default.jpg", List.of("%5E6000,10", "%5E10000,10000", "%5E5001,",
                "%5E,5001", "%5Epct:400", "%5E3256,"));
        assertEquals("5000x10", size(url(v3, "full/%5E5000,10/0/default.jpg")));
        // Version 2 scales up without '^' (sizeAboveFull), within the same limits.
        assertAll(400, v3, "full/%s/0/default.jpg", List.of("6000,10", "10000,10000", ",5001", "pct:400"),
                "Accept", V2);
        assertEquals("10x5000", size(url(v3, "full/10,5000/0/default.jpg"), "Accept", V2));
    }

    /**
     * max is "constrained to a smaller size by maxWidth, maxHeight" and !w,h is "not larger than
     * ... server-imposed limits" (3.0 section 4.2; 2.1: max is "the maximum size available, as
     * indicated by maxWidth, maxHeight"): they fit inside. The other forms name their size.
     */
    @Test
    void maxAndConfinedSizesFitInsideTheLimits() throws Exception {
        assertTrue(ok(limited.baseUrl() + "/iiif/tall.tif/info.json").text().contains("\"maxHeight\" : 1000"));
        assertEquals("651x1000", size(url(limited, "full/max/0/default.jpg")));
        assertEquals("651x1000", size(url(limited, "full/%5Emax/0/default.jpg")));
        assertEquals("651x1000", size(url(limited, "full/!900,2000/0/default.jpg")));
        assertEquals("651x1000", size(url(limited, "full/%5E!3000,3000/0/default.jpg")));
        assertEquals("651x1000", size(url(limited, "full/651,/0/default.jpg")));
        assertEquals("1000x1000", size(url(limited, "full/1000,1000/0/default.jpg")));
        assertEquals("65x1000", size(url(limited, "0,0,100,1536/max/0/default.jpg")));
        assertAll(400, limited, "full/%s/0/default.jpg", List.of("652,", ",1001", "700,1001", "pct:70",
                "%5E1001,1"));
        assertEquals("651x1000", size(url(limited, "full/max/0/default.jpg"), "Accept", V2));
        assertEquals("651x1000", size(url(limited, "full/!3000,3000/0/default.jpg"), "Accept", V2));
        // Version 2's full is the region's full size: above the limits it is refused, not shrunk.
        assertAll(400, limited, "full/%s/0/default.jpg", List.of("full", "1500,", "pct:100"), "Accept", V2);
        // IIP's CVT keeps iipsrv's clamping.
        BufferedImage cvt = ok(limited.iipUrl() + "?FIF=tall.tif&HEI=3000&CVT=jpeg").image();
        assertEquals("651x1000", cvt.getWidth() + "x" + cvt.getHeight());
    }

    /**
     * 3.0 section 4.2: "Requests for sizes prefixed with ^ that require upscaling SHOULD result in a
     * 501 (Not Implemented) status code if the server does not support upscaling".
     */
    @Test
    void upscalingOnAServerWithoutItIs501() throws Exception {
        assertStatus(501, url(noUpscaling, "full/%5E1001,/0/default.jpg"));
        assertStatus(501, url(noUpscaling, "full/%5Epct:120/0/default.jpg"));
        assertStatus(400, url(noUpscaling, "full/1001,/0/default.jpg"));
        assertEquals("500x768", size(url(noUpscaling, "full/%5E500,/0/default.jpg")));
        assertEquals("1000x1536", size(url(noUpscaling, "full/%5Emax/0/default.jpg")));
    }

    // ---- finding 4: the grammar of region and size ----------------------------------------------------

    /**
     * 3.0 section 4: "Size and region parameters in pixels MUST be non-negative integers"; in
     * percentages "positive floating point numbers or integers", which (section 4.7) "MUST consist
     * only of decimal digits and '.'". 2.1 section 4 likewise. Section 4.1: a zero width or height,
     * or a region entirely outside the image, is a 400.
     */
    @Test
    void regionGrammar() throws Exception {
        List<String> bad = List.of("-1,0,10,10", "0,-1,10,10", "+1,0,10,10", "1.5,0,10,10", "0,0,10.0,10",
                "1e1,0,10,10", "0x10,0,10,10", "%201,0,10,10", "1,0,10,10%20", "0,0,10,10,", "0,0,10", ",0,10,10",
                "0,0,0,10", "0,0,10,0", "1000,0,10,10", "0,1536,10,10", "99999999999999999999,0,10,10",
                "pct:-1,0,10,10", "pct:+1,0,10,10", "pct:1e1,0,10,10", "pct:1.2.3,0,10,10", "pct:.,0,10,10",
                "pct:0,0,0,10", "pct:0,0,10,0", "pct:100,0,10,10", "pct:0,100,10,10", "pct:0,0,10", "pct:",
                "pct:0,0,10,10,", "pct:%200,0,10,10", "pct:0,0,10,NaN", "pct:0,0,10,Infinity",
                "fulls", "squares", "pct:full", "full,", "0,0,10,10pct");
        assertAll(400, v3, "%s/max/0/default.jpg", bad);
        assertAll(400, v3, "%s/full/0/default.jpg", bad, "Accept", V2);
        List<String> good = List.of("full", "square", "0,0,10,10", "007,0,10,10", "0,0,99999999999999999999,10",
                "pct:0,0,10,10", "pct:0.5,0.25,10.125,1", "pct:.5,0,1.,1", "pct:0,0,1000,1000", "FULL", "PCT:1,1,1,1");
        assertAll(200, v3, "%s/max/0/default.jpg", good);
        assertAll(200, v3, "%s/full/0/default.jpg", good, "Accept", V2);
        assertEquals("1000x10", size(url(v3, "0,0,99999999999999999999,10/max/0/default.jpg")));
    }

    /**
     * 3.0 section 4.2's forms (max, ^max, w, ^w, ,h ^,h pct:n ^pct:n w,h ^w,h !w,h ^!w,h) with
     * integers for w and h and a float for n; 2.1 section 4.2's (full, max, w, ,h pct:n w,h !w,h),
     * no '^'. A size below one pixel is a 400 (3.0: "MUST NOT be less than 1 pixel"; 2.1: "If
     * the resulting height or width is zero ... 400").
     */
    @Test
    void sizeGrammar() throws Exception {
        List<String> bad = List.of("1e3,", ",1e3", "1e3,1e3", "-10,", ",-10", "+10,", "10.5,", ",10.0", "%2010,",
                "10,%2010", "10,,", "10,10,", ",", "!,", "!10,", "!,10", "!max", "!pct:50", "!!10,10", "0,", ",0",
                "0,10", "10,0", "!0,10", "!10,0", "pct:0", "pct:0.0", "pct:-5", "pct:+5", "pct:1e1", "pct:",
                "pct:.", "pct:5.5.5", "pct:%205", "pct:NaN", "pct:50,", "pct:50%25", "10", "max,", "maxx",
                "%5E", "%5E%5Emax", "%5Efull", "full", "!%5E10,10", "%5E!", "%5E,", "%5Epct:0", "%5E0,",
                "%5E-10,", "%5E1e3,", "10,10%5E");
        assertAll(400, v3, "full/%s/0/default.jpg", bad);
        List<String> good = List.of("max", "%5Emax", "10,", "%5E10,", ",10", "%5E,10", "10,10", "%5E10,10",
                "!10,10", "%5E!10,10", "pct:1", "pct:1.5", "pct:.5", "%5Epct:150", "010,", "MAX", "PCT:5");
        assertAll(200, v3, "full/%s/0/default.jpg", good);
        List<String> badV2 = List.of("1e3,", "-10,", "+10,", "10.5,", "0,", ",0", "pct:0", "pct:-5", "pct:1e1",
                "!10,", "!,10", "%5Emax", "%5E10,", "%5Epct:50", "%5E!10,10", "%5Efull", "10", "fulll");
        assertAll(400, v3, "full/%s/0/default.jpg", badV2, "Accept", V2);
        List<String> goodV2 = List.of("full", "max", "10,", ",10", "10,10", "!10,10", "pct:1.5", "1100,");
        assertAll(200, v3, "full/%s/0/default.jpg", goodV2, "Accept", V2);
        // Sizes that compute to less than one pixel.
        assertAll(400, v3, "0,0,1000,1/%s/0/default.jpg", List.of("10,", "!10,10", "pct:10"));
        assertAll(400, v3, "full/%s/0/default.jpg", List.of("pct:0.01", "pct:0.0001"));
        assertAll(400, v3, "0,0,1000,1/%s/0/default.jpg", List.of("10,", "!10,10", "pct:10"), "Accept", V2);
        // 3.0: w "MUST NOT be greater than the width of the extracted region", n "MUST NOT be greater
        // than 100", unless '^' asks for upscaling.
        assertAll(400, v3, "full/%s/0/default.jpg", List.of("1001,", ",1537", "1001,10", "pct:100.01",
                "!2000,3000"));
        assertEquals("1000x1536", size(url(v3, "full/pct:100/0/default.jpg")));
        assertEquals("1000x1536", size(url(v3, "full/1000,/0/default.jpg")));
    }

    /** 3.0 section 4.2: w, gives exactly w pixels across, ,h exactly h down, whatever the rounding. */
    @Test
    void widthOrHeightIsExact() throws Exception {
        for (int n = 290; n < 320; n++) {
            BufferedImage byWidth = ok(url(v3, "full/" + n + ",/0/default.jpg")).image();
            assertEquals(n, byWidth.getWidth(), n + ",");
            assertEquals(n * 1.536, byWidth.getHeight(), 0.5, n + ",");
            BufferedImage byHeight = ok(url(v3, "full/," + n + "/0/default.jpg")).image();
            assertEquals(n, byHeight.getHeight(), "," + n);
            assertEquals(n / 1.536, byHeight.getWidth(), 0.5, "," + n);
        }
    }

    // ---- finding 5: identifiers are decoded once ------------------------------------------------------

    /**
     * 3.0 and 2.1 section 9: a client percent-encodes '%' and '/' in an identifier, so the server
     * decodes it once: pct%252e%252e.tif names the file pct%2e%2e.tif, and %2F a sub-folder. The
     * query form: Jetty 12, like Tomcat for %2F, refuses an escaped '%' in a path before the webapp.
     */
    @Test
    void identifiersAreDecodedOnce() throws Exception {
        String q = v3.iipUrl() + "?IIIF=";
        assertTrue(ok(q + "pct%252e%252e.tif/info.json").text().contains("\"width\" : 300"));
        assertEquals("300x200", size(q + "pct%252e%252e.tif/full/max/0/default.jpg"));
        // A sub-folder by %2F and by a plain slash.
        assertEquals("200x100", size(q + "sub%2Fpct%252e%252e.tif/full/max/0/default.jpg"));
        assertEquals("200x100", size(q + "sub/pct%252e%252e.tif/full/max/0/default.jpg"));
        // The base URI with a plain slash (IiifServlet's fallback) redirects to its info.json.
        Http.Reply redirect = Http.get(q + "sub/pct%252e%252e.tif");
        assertEquals(303, redirect.status(), redirect.text());
        assertEquals(q + "sub/pct%252e%252e.tif/info.json", redirect.header("Location"));
        assertTrue(ok(redirect.header("Location")).text().contains("\"width\" : 200"));
        // Sent escaped only once, the name decodes to pct..tif, which is not there.
        assertEquals(404, Http.get(q + "pct%2e%2e.tif/info.json").status());
        assertEquals(404, Http.get(v3.baseUrl() + "/iiif/pct%2e%2e.tif/info.json").status());
        // After the one decoding, '..' segments, NUL and backslashes are still refused.
        for (String refused : new String[] {"sub%2F..%2F..%2Fsecret.tif", "..%2Fsecret.tif",
            "sub%5C..%5C..%5Csecret.tif", "spec.tif%00", "%2e%2e%2Fsecret.tif", "sub/..%2F..%2Fsecret.tif"}) {
            assertEquals(404, Http.get(q + refused + "/info.json").status(), refused);
            assertEquals(404, Http.get(q + refused + "/full/max/0/default.jpg").status(), refused);
        }
    }
}
