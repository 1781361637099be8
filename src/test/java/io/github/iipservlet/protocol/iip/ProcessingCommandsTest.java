package io.github.iipservlet.protocol.iip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Pixels;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processing commands (SHD, CTW, CNV, CMP, GAM, INV, CNT) and the IIIF extension qualities
 * through the real webapp, on pyramids of each sample kind (8-bit RGB, 16-bit grey, 32-bit float
 * elevation, CIELAB): every output is compared with the formulas of docs/protocols.md 5.2 and 5.3
 * computed here from the samples the files hold. Requests ask for a level at its own size, so no
 * resampling enters the expected values. JPEG replies are compared at quality 100 by PSNR; PNG
 * replies (IIIF) pixel for pixel.
 *
 * <p>Also: the watermark (docs/protocols.md 5.5) with its random placement, watermarked replies never served
 * from the tile store, bands rendered on two threads giving the bytes of one, and malformed
 * arguments answered with an image, never a 500.
 */
class ProcessingCommandsTest {
    @TempDir
    static Path tmp;
    static TestServer server;
    static TestServer serial;
    static TestServer watermarked;
    static TestServer nearest;
    static String iip;
    static TiffWriter.Written rgb;
    static TiffWriter.Written normals;
    static TiffWriter.Written grey16;
    static TiffWriter.Written dem;
    static TiffWriter.Written lab;
    static TiffWriter.Written watermark;
    static TiffWriter.Written noise;

    /** A smooth 16-bit ramp (JPEG keeps it nearly exact). */
    static double smooth16(int x, int y, int c) {
        return Math.rint(65535.0 * (x + 0.5 * y) / 768.0 * (0.75 + 0.25 * Math.sin(y / 40.0)));
    }

    /** A hemisphere bump as a normal map: (n + 1) / 2 per channel, x right, y down, z out. */
    static double sphereNormals(int x, int y, int c) {
        double dx = (x - 128) / 100.0;
        double dy = (y - 128) / 100.0;
        double r2 = dx * dx + dy * dy;
        double[] n = r2 < 1 ? new double[] {dx, dy, Math.sqrt(1 - r2)} : new double[] {0, 0, 1};
        return Math.rint((n[c] + 1) / 2 * 255);
    }

    /**
     * CIELAB 8-bit: L* = v0 / 2.55, a* and b* as signed bytes; a* negative, b* positive, neither
     * crossing 0 (TiffWriter averages the stored bytes for the smaller levels, which is right only
     * while the sign does not change).
     */
    static double labSamples(int x, int y, int c) {
        return switch (c) {
            case 0 -> Math.rint(40 + 200.0 * x / 320);
            case 1 -> ((int) Math.rint(-60 + 55.0 * y / 240)) & 0xff;
            default -> Math.rint(5 + 45 * (0.5 + 0.5 * Math.sin(x / 30.0)));
        };
    }

    @BeforeAll
    static void start() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        rgb = TiffWriter.builder().size(512, 384).tile(128, 128).compression(TiffWriter.Compression.DEFLATE)
                .predictor(2).photometric(TiffWriter.Photometric.RGB).write(images.resolve("rgb.tif"));
        normals = TiffWriter.builder().size(256, 256).tile(128, 128).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).pixels(ProcessingCommandsTest::sphereNormals)
                .write(images.resolve("normals.tif"));
        grey16 = TiffWriter.builder().size(512, 384).tile(128, 128).channels(1).bits(16)
                .compression(TiffWriter.Compression.DEFLATE).predictor(2).pixels(ProcessingCommandsTest::smooth16)
                .write(images.resolve("grey16.tif"));
        // no SMin/SMaxSampleValue: like vips' float files, its range is given with MINMAX
        dem = TiffWriter.builder().size(512, 512).tile(128, 128).channels(1).bits(32).sampleType(SampleType.FLOAT)
                .compression(TiffWriter.Compression.DEFLATE).pixels(TestImages::elevation)
                .write(images.resolve("dem.tif"));
        lab = TiffWriter.builder().size(320, 240).tile(128, 128).channels(3)
                .photometric(TiffWriter.Photometric.CIELAB).pixels(ProcessingCommandsTest::labSamples)
                .write(images.resolve("lab.tif"));
        // grey noise, so nearest neighbour and bilinear resizing differ everywhere
        noise = TiffWriter.builder().size(256, 192).tile(128, 128).channels(1)
                .compression(TiffWriter.Compression.DEFLATE).pixels((x, y, c) -> (x * 7919 + y * 104729) % 251)
                .write(images.resolve("noise.tif"));
        // 2048x1536: large enough to be rendered in bands of tile rows on several threads
        TiffWriter.builder().size(2048, 1536).tile(256, 256).compression(TiffWriter.Compression.DEFLATE)
                .predictor(2).photometric(TiffWriter.Photometric.RGB).write(images.resolve("large.tif"));
        // a 100x80 watermark, never black (so the pixels it touched show where it landed)
        Path wm = tmp.resolve("watermark.tif");
        watermark = TiffWriter.builder().size(100, 80).tiled(false).pixels((x, y, c) -> 40 + (x * 2 + y + c * 30) % 160)
                .write(wm);
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "IIIF_EXTENSIONS", "1"));
        serial = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "OMP_NUM_THREADS", "1"));
        watermarked = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "WATERMARK", wm.toString(),
                "WATERMARK_OPACITY", "0.5"));
        nearest = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "INTERPOLATION", "0"));
        iip = server.iipUrl() + "?";
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        serial.close();
        watermarked.close();
        nearest.close();
    }

    static Http.Reply ok(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), () -> url + ": " + r.text());
        assertTrue(r.contentType().startsWith("image/"), url + ": " + r.contentType());
        return r;
    }

    static BufferedImage image(String query) throws Exception {
        return ok(iip + query).image();
    }

    /** iipsrv's quantisation of a normalised value: clamp(v * 255, 0, 255), truncated. */
    static int q(double v) {
        double s = v * 255.0;
        return s <= 0 ? 0 : s >= 255 ? 255 : (int) s;
    }

    static void assertPsnr(double min, BufferedImage img, TiffWriter.PixelFunction expected, int channels,
            String what) {
        assertEquals(channels == 1 ? 1 : 3, img.getRaster().getNumBands(), what + ": channels");
        double p = Pixels.psnr(img, expected, channels);
        assertTrue(p > min, what + ": " + String.format("%.1f dB", p));
    }

    // ---- CTW ------------------------------------------------------------------------------------

    @Test
    void colourTwistMakesOneOutputChannelPerRow() throws Exception {
        float[][] m = {{0.2f, 0.5f, 0.3f}, {0f, 0f, 1f}, {1f, 0.5f, 0f}};
        BufferedImage img = image("FIF=rgb.tif&CTW=%5B0.2,0.5,0.3;0,0,1;1,0.5,0%5D&WID=512&QLT=100&CVT=jpeg");
        assertEquals(512, img.getWidth());
        TiffWriter.PixelFunction twisted = (x, y, c) -> {
            double v = 0;
            for (int j = 0; j < 3; j++) {
                v += m[c][j] * rgb.sample(0, x, y, j) / 255.0;
            }
            return q(v);
        };
        assertPsnr(35, img, twisted, 3, "3x3 twist");
        assertTrue(Pixels.psnr(img, (x, y, c) -> rgb.sample(0, x, y, c), 3) < 20, "the twist changed the pixels");
        // rows of several CTW commands add up; the bracket-less form is the same matrix
        assertArrayEquals(ok(iip + "FIF=rgb.tif&CTW=%5B0.2,0.5,0.3;0,0,1;1,0.5,0%5D&WID=512&QLT=100&CVT=jpeg").body(),
                ok(iip + "FIF=rgb.tif&CTW=0.2,0.5,0.3&CTW=%5B0,0,1%5D&CTW=[1,0.5,0]&WID=512&QLT=100&CVT=jpeg").body());
        // one row: a one-channel (grey) JPEG
        BufferedImage grey = image("FIF=rgb.tif&CTW=%5B0.33,0.33,0.33%5D&JTL=2,5&QLT=100");
        assertPsnr(40, grey, (x, y, c) -> q(0.33 * (rgb.sample(0, 128 + x, 128 + y, 0)
                + rgb.sample(0, 128 + x, 128 + y, 1) + rgb.sample(0, 128 + x, 128 + y, 2)) / 255.0), 1, "one row");
    }

    // ---- CNV ------------------------------------------------------------------------------------

    /**
     * The convolution of docs/protocols.md 5.3 on normalised samples of the block [x0, x0 + width) x [y0, y0 + height)
     * of a level (edges of the block replicated, divided by a positive kernel sum), at block pixel (x, y).
     */
    static double convolved(TiffWriter.Written w, int level, double max, float[] k, int x0, int y0, int width,
            int height, int x, int y) {
        int side = (int) Math.round(Math.sqrt(k.length));
        int half = side / 2;
        double acc = 0;
        double sum = 0;
        for (int fy = 0; fy < side; fy++) {
            for (int fx = 0; fx < side; fx++) {
                int sx = Math.min(width - 1, Math.max(0, x + fx - half));
                int sy = Math.min(height - 1, Math.max(0, y + fy - half));
                acc += w.sample(level, x0 + sx, y0 + sy, 0) / max * k[fy * side + fx];
                sum += k[fy * side + fx];
            }
        }
        return sum > 0 ? acc / sum : acc;
    }

    @Test
    void convolutionOfSixteenBitSamples() throws Exception {
        float[] sharpen = {0, -1, 0, -1, 5, -1, 0, -1, 0};
        BufferedImage img = image("FIF=grey16.tif&CNV=sharpen&WID=512&QLT=100&CVT=jpeg");
        assertPsnr(40, img, (x, y, c) -> q(convolved(grey16, 0, 65535, sharpen, 0, 0, 512, 384, x, y)), 1,
                "sharpen");
        // a 5x5 kernel with a positive sum is normalised: a box blur, here of the 256x192 level
        float[] box = new float[25];
        java.util.Arrays.fill(box, 1f);
        BufferedImage blur = image("FIF=grey16.tif&CNV=%5B" + "1,".repeat(24) + "1%5D&WID=256&QLT=100&CVT=jpeg");
        assertEquals(256, blur.getWidth());
        assertPsnr(40, blur, (x, y, c) -> q(convolved(grey16, 1, 65535, box, 0, 0, 256, 192, x, y)), 1, "box");
        // sobel's sum is 0: horizontal gradient, negative values clipped, times CNT. Tile 3 of
        // resolution 1 (256x192, 128-pixel tiles) is the bottom-right 128x64: a tile is filtered
        // on its own, its edges replicated, as in iipsrv.
        float[] sobel = {-1, 0, 1, -2, 0, 2, -1, 0, 1};
        BufferedImage edges = image("FIF=grey16.tif&CNV=SOBEL&CNT=20&JTL=1,3&QLT=100");
        assertEquals(128, edges.getWidth());
        assertEquals(64, edges.getHeight());
        assertPsnr(40, edges, (x, y, c) -> q(20 * convolved(grey16, 1, 65535, sobel, 128, 128, 128, 64, x, y)), 1,
                "sobel");
        // named and explicit kernels are the same; a malformed kernel is ignored
        assertArrayEquals(ok(iip + "FIF=rgb.tif&CNV=gaussian&WID=300&CVT=jpeg").body(),
                ok(iip + "FIF=rgb.tif&CNV=%5B1,2,1,2,4,2,1,2,1%5D&WID=300&CVT=jpeg").body());
        assertArrayEquals(ok(iip + "FIF=rgb.tif&WID=300&CVT=jpeg").body(),
                ok(iip + "FIF=rgb.tif&CNV=%5B1,2,1,2%5D&WID=300&CVT=jpeg").body());
    }

    // ---- SHD ------------------------------------------------------------------------------------

    /** The light vector of docs/protocols.md 5.3: (sin a, cos a, -sin e) normalised (a = azimuth, e = elevation). */
    static double[] light(int azimuth, int elevation) {
        double a = Math.toRadians(azimuth);
        double sy = Math.cos(a);
        double sx = Math.sqrt(1 - sy * sy) * (azimuth > 180 ? -1 : 1);
        double sz = -Math.sin(Math.toRadians(elevation));
        double n = Math.sqrt(sx * sx + sy * sy + sz * sz);
        return new double[] {sx / n, sy / n, sz / n};
    }

    /** docs/protocols.md 5.3 for a normal-map pixel: o = -(c - 0.5) 2, value = clamp(0.5 (s . o)). */
    static double shadeNormal(double[] s, double r, double g, double b) {
        if (r == 0 && g == 0 && b == 0) {
            return 0;
        }
        double d = 0.5 * (s[0] * -(r - 0.5) * 2 + s[1] * -(g - 0.5) * 2 + s[2] * -(b - 0.5) * 2);
        return Math.max(0, Math.min(1, d));
    }

    /**
     * The height-field shading of docs/protocols.md 5.3 (docs/decisions.md Decision 23): heights
     * normalised by MINMAX, central differences (one-sided at the block's edges), slopes scaled by
     * 1/16 of the level's width, normal (dz/dx S, -dz/dy S, 1) lit by the light vector of
     * docs/protocols.md 5.3.
     */
    static double shadeHeight(double[] s, TiffWriter.Written w, int level, double min, double max, int x0, int y0,
            int width, int height, int x, int y) {
        double scale = w.width(level) / 16.0;
        int l = Math.max(0, x - 1);
        int r = Math.min(width - 1, x + 1);
        int u = Math.max(0, y - 1);
        int d = Math.min(height - 1, y + 1);
        double dzdx = (w.sample(level, x0 + r, y0 + y, 0) - w.sample(level, x0 + l, y0 + y, 0)) / (max - min)
                / (r - l);
        double dzdy = (w.sample(level, x0 + x, y0 + d, 0) - w.sample(level, x0 + x, y0 + u, 0)) / (max - min)
                / (d - u);
        double nx = dzdx * scale;
        double ny = -dzdy * scale;
        double len = Math.sqrt(nx * nx + ny * ny + 1);
        double v = 0.5 * (s[0] * -nx / len + s[1] * -ny / len + s[2] * -1 / len);
        return Math.max(0, Math.min(1, v));
    }

    @Test
    void hillShadingOfAFloatElevationModel() throws Exception {
        double[] s = light(315, 35);
        BufferedImage img = image("FIF=dem.tif&MINMAX=0:-600,1600&SHD=315,35&CNT=1.8&WID=512&QLT=100&CVT=jpeg");
        assertPsnr(40, img, (x, y, c) -> q(1.8 * shadeHeight(s, dem, 0, -600, 1600, 0, 0, 512, 512, x, y)), 1,
                "dem");
        // a tile of a smaller level: the relief scale follows the level, its edges are its own
        BufferedImage tile = image("FIF=dem.tif&MINMAX=-:-600,1600&SHD=315,35&CNT=1.8&JTL=1,2&QLT=100");
        assertPsnr(40, tile, (x, y, c) -> q(1.8 * shadeHeight(s, dem, 1, -600, 1600, 0, 128, 128, 128, x, y)), 1,
                "dem tile");
        // light from the opposite side gives a different picture
        BufferedImage opposite = image("FIF=dem.tif&MINMAX=0:-600,1600&SHD=135,35&CNT=1.8&WID=512&QLT=100&CVT=jpeg");
        assertTrue(Pixels.psnr(opposite, (x, y, c) -> q(1.8 * shadeHeight(s, dem, 0, -600, 1600, 0, 0, 512, 512, x,
                y)), 1) < 20);
    }

    @Test
    void hillShadingOfNormalMapsAndOfOrdinaryRgbImages() throws Exception {
        double[] s = light(60, 50);
        BufferedImage img = image("FIF=normals.tif&SHD=60,50&WID=256&QLT=100&CVT=jpeg");
        assertPsnr(40, img, (x, y, c) -> q(shadeNormal(s, normals.sample(0, x, y, 0) / 255.0,
                normals.sample(0, x, y, 1) / 255.0, normals.sample(0, x, y, 2) / 255.0)), 1, "normal map");
        // iipsrv reads past its buffer on RGB images; here any RGB image is read as a normal map
        double[] t = light(20, 20);
        BufferedImage photo = image("FIF=rgb.tif&SHD=20,20&CNT=2&JTL=2,6&QLT=100");
        int[] range = {255, 0};
        for (int v : photo.getRaster().getSamples(0, 0, 128, 128, 0, (int[]) null)) {
            range[0] = Math.min(range[0], v);
            range[1] = Math.max(range[1], v);
        }
        assertTrue(range[1] - range[0] > 100, "shades vary: " + range[0] + ".." + range[1]);
        assertPsnr(40, photo, (x, y, c) -> q(2 * shadeNormal(t, rgb.sample(0, 256 + x, 128 + y, 0) / 255.0,
                rgb.sample(0, 256 + x, 128 + y, 1) / 255.0, rgb.sample(0, 256 + x, 128 + y, 2) / 255.0)), 1,
                "rgb as normals");
    }

    // ---- CMP, GAM, INV, CIELAB -------------------------------------------------------------------

    /** The JET colormap of docs/protocols.md 5.3. */
    static double jet(double v, int c) {
        double[] rgb;
        if (v < 0) {
            rgb = new double[] {0, 0, 0};
        } else if (v < 0.125) {
            rgb = new double[] {0, 0, 4 * v + 0.5};
        } else if (v < 0.375) {
            rgb = new double[] {0, 4 * v - 0.5, 1};
        } else if (v < 0.625) {
            rgb = new double[] {4 * v - 1.5, 1, 2.5 - 4 * v};
        } else if (v < 0.875) {
            rgb = new double[] {1, 3.5 - 4 * v, 0};
        } else if (v < 1) {
            rgb = new double[] {4.5 - 4 * v, 0, 0};
        } else {
            rgb = new double[] {0.5, 0, 0};
        }
        return rgb[c];
    }

    @Test
    void jetColormapOfSixteenBitSamples() throws Exception {
        BufferedImage img = image("FIF=grey16.tif&CMP=jet&WID=512&QLT=100&CVT=jpeg");
        assertPsnr(35, img, (x, y, c) -> q(jet(grey16.sample(0, x, y, 0) / 65535.0, c)), 3, "jet");
        // MINMAX narrows the range the colormap spans
        BufferedImage narrow = image("FIF=grey16.tif&MINMAX=0:10000,30000&CMP=jet&WID=256&QLT=100&CVT=jpeg");
        assertPsnr(35, narrow, (x, y, c) -> q(jet((grey16.sample(1, x, y, 0) - 10000) / 20000.0, c)), 3,
                "jet 10000-30000");
    }

    /** CIELAB to sRGB (docs/protocols.md 5.3) of an 8-bit CIELAB pixel, channel c, 0..1. */
    static double srgb(TiffWriter.Written w, int level, int x, int y, int c) {
        double l = w.sample(level, x, y, 0) / 2.55;
        double a = (byte) (int) w.sample(level, x, y, 1);
        double b = (byte) (int) w.sample(level, x, y, 2);
        double fy = (l + 16) / 116;
        double fx = a / 500 + fy;
        double fz = fy - b / 200;
        double yr = l > 8 ? fy * fy * fy : l / 903.3;
        double xr = fx > 0.2069 ? fx * fx * fx : (fx - 16.0 / 116) / 7.787;
        double zr = fz > 0.2069 ? fz * fz * fz : (fz - 16.0 / 116) / 7.787;
        double[][] m = {{3.2406255, -1.537208, -0.4986286}, {-0.9689307, 1.8757561, 0.0415175},
            {0.0557101, -0.2040211, 1.0569959}};
        double lin = m[c][0] * xr * 0.95047 + m[c][1] * yr + m[c][2] * zr * 1.088827;
        if (lin <= 0) {
            return 0;
        }
        return Math.min(1, lin <= 0.0031308 ? 12.92 * lin : 1.055 * Math.pow(lin, 1 / 2.4) - 0.055);
    }

    @Test
    void cielabIsConvertedThenGammaAndInversion() throws Exception {
        BufferedImage img = image("FIF=lab.tif&GAM=0.5&INV&WID=320&QLT=100&CVT=jpeg");
        assertPsnr(35, img, (x, y, c) -> q(1 - Math.sqrt(srgb(lab, 0, x, y, c))), 3, "lab");
        // resolution 1 is the 160x120 level, its first tile the top-left 128x120
        BufferedImage squared = image("FIF=lab.tif&GAM=2&JTL=1,0&QLT=100");
        assertPsnr(35, squared, (x, y, c) -> q(Math.pow(srgb(lab, 1, x, y, c), 2)), 3, "lab gamma 2");
        // the log transform magnifies dark values (and JPEG's errors there 40-fold): checked on PNG
        Http.Reply r = ok(server.baseUrl() + "/iiif/lab.tif/full/max/0/log.png");
        Raster log = r.image().getRaster();
        for (int y = 0; y < 240; y++) {
            for (int x = 0; x < 320; x++) {
                for (int c = 0; c < 3; c++) {
                    int expected = q(Math.log(1 + 255 * srgb(lab, 0, x, y, c)) / Math.log(256));
                    assertTrue(Math.abs(expected - log.getSample(x, y, c)) <= 1, x + "," + y + "," + c + ": "
                            + log.getSample(x, y, c) + " vs " + expected);
                }
            }
        }
    }

    // ---- IIIF extension qualities (PNG: exact) ---------------------------------------------------

    static int[][] pngPixels(String params) throws Exception {
        Http.Reply r = ok(server.baseUrl() + "/iiif/rgb.tif/" + params);
        assertEquals("image/png", r.contentType());
        BufferedImage img = r.image();
        Raster raster = img.getRaster();
        int[][] px = new int[img.getWidth() * img.getHeight()][];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                px[y * img.getWidth() + x] = raster.getPixel(x, y, (int[]) null);
            }
        }
        return px;
    }

    /** Normalised sample in single precision, as the pipeline computes it. */
    static float norm(double v) {
        return (float) v * (float) (1.0 / 255);
    }

    static int quantise(float v) {
        double s = v * 255.0;
        return !(s > 0) ? 0 : s >= 255 ? 255 : (int) s;
    }

    @Test
    void iiifExtensionQualitiesFollowTheFormulas() throws Exception {
        int[][] negative = pngPixels("full/max/0/negative.png");
        int[][] log = pngPixels("full/max/0/log.png");
        int[][] stretch = pngPixels("full/max/0/stretch.png");
        int[][] equalised = pngPixels("full/max/0/equalization.png");
        assertEquals(512 * 384, negative.length);
        // the image histogram: rounded channel means of the smallest level (docs/protocols.md 5.2 step 1)
        int last = rgb.levelCount() - 1;
        int[] hist = new int[256];
        for (int y = 0; y < rgb.height(last); y++) {
            for (int x = 0; x < rgb.width(last); x++) {
                double sum = rgb.sample(last, x, y, 0) + rgb.sample(last, x, y, 1) + rgb.sample(last, x, y, 2);
                hist[(int) Math.round(sum / 3)]++;
            }
        }
        int n0 = 0;
        while (hist[n0] == 0) {
            n0++;
        }
        int n1 = 255;
        while (hist[n1] == 0) {
            n1--;
        }
        double[] cdf = new double[256];
        for (int i = 0, acc = 0; i < 256; i++) {
            acc += hist[i];
            cdf[i] = acc;
        }
        int stretchedDiffs = 0;
        for (int y = 0; y < 384; y++) {
            for (int x = 0; x < 512; x++) {
                int p = y * 512 + x;
                for (int c = 0; c < 3; c++) {
                    int v = (int) rgb.sample(0, x, y, c);
                    assertEquals(quantise(1f - norm(v)), negative[p][c], "negative");
                    assertEquals(quantise((float) (Math.log(1 + 255.0 * norm(v)) / Math.log(256))), log[p][c], "log");
                    float lo = n0;
                    float mul = (float) (1.0 / ((float) n1 - lo));
                    int expected = quantise((v - lo) * mul);
                    assertTrue(Math.abs(expected - stretch[p][c]) <= 1, "stretch " + expected + " " + stretch[p][c]);
                    stretchedDiffs += expected != v ? 1 : 0;
                    long lut = Math.round(255.0 / cdf[255] * (cdf[v] - cdf[n0] / (512.0 * 384)));
                    assertEquals(Math.max(0, Math.min(255, lut)), equalised[p][c], "equalisation");
                }
            }
        }
        assertTrue(stretchedDiffs > 1000, "stretch changed the pixels");
    }

    // ---- watermark ------------------------------------------------------------------------------

    /** Checks a watermarked PNG against the source: where it changed must be whole watermarks. */
    static Set<String> checkWatermarked(int[][] out, int width, int height, int x0, int y0, int block) {
        Set<String> places = new HashSet<>();
        for (int by = 0; by < height; by += block) {
            for (int bx = 0; bx < width; bx += block) {
                int bw = Math.min(block, width - bx);
                int bh = Math.min(block, height - by);
                // the first changed pixel of the block is the watermark's top-left corner
                int wx = -1;
                int wy = -1;
                for (int y = by; y < by + bh && wx < 0; y++) {
                    for (int x = bx; x < bx + bw; x++) {
                        if (out[y * width + x][0] != (int) rgb.sample(0, x0 + x, y0 + y, 0)) {
                            wx = x;
                            wy = y;
                            break;
                        }
                    }
                }
                assertTrue(wx >= 0, "block at " + bx + "," + by + " has a watermark (probability 1)");
                int cw = Math.min(100, bw);
                int ch = Math.min(80, bh);
                assertTrue(wx + cw <= bx + bw && wy + ch <= by + bh, "inside its block");
                for (int y = by; y < by + bh; y++) {
                    for (int x = bx; x < bx + bw; x++) {
                        boolean in = x >= wx && x < wx + cw && y >= wy && y < wy + ch;
                        for (int c = 0; c < 3; c++) {
                            int src = (int) rgb.sample(0, x0 + x, y0 + y, c);
                            int expected = in ? Math.min(255, src + (int) (watermark.sample(0, x - wx, y - wy, c)
                                    * 0.5)) : src;
                            assertEquals(expected, out[y * width + x][c], "pixel " + x + "," + y + "," + c);
                        }
                    }
                }
                places.add(wx + "," + wy);
            }
        }
        return places;
    }

    static int[][] watermarkedPng(String params) throws Exception {
        Http.Reply r = ok(watermarked.baseUrl() + "/iiif/rgb.tif/" + params);
        BufferedImage img = r.image();
        int[][] px = new int[img.getWidth() * img.getHeight()][];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                px[y * img.getWidth() + x] = img.getRaster().getPixel(x, y, (int[]) null);
            }
        }
        return px;
    }

    @Test
    void watermarkIsAddedAtRandomPlacesAndNeverStored() throws Exception {
        // a tile is one block; the 100x80 watermark lands anywhere inside the 128x128 tile
        Set<String> tilePlaces = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            tilePlaces.addAll(checkWatermarked(watermarkedPng("128,128,128,128/128,/0/default.png"), 128, 128, 128,
                    128, 128));
        }
        assertTrue(tilePlaces.size() > 1, "a new place for every request (nothing stored): " + tilePlaces);
        // a region: blocks of twice the tile size (256), each with its own watermark
        Set<String> regionPlaces = checkWatermarked(watermarkedPng("full/max/0/default.png"), 512, 384, 0, 0, 256);
        assertEquals(4, regionPlaces.size());
        // IIP tiles and regions are watermarked too (stored JPEG tiles are not passed through)
        byte[] plain = ok(iip + "FIF=rgb.tif&JTL=2,0").body();
        Set<String> bodies = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            byte[] tile = ok(watermarked.iipUrl() + "?FIF=rgb.tif&JTL=2,0").body();
            assertFalse(java.util.Arrays.equals(plain, tile));
            bodies.add(java.util.Arrays.toString(tile));
        }
        assertTrue(bodies.size() > 1);
        assertFalse(java.util.Arrays.equals(ok(iip + "FIF=rgb.tif&WID=400&CVT=jpeg").body(),
                ok(watermarked.iipUrl() + "?FIF=rgb.tif&WID=400&CVT=jpeg").body()));
    }

    // ---- interpolation --------------------------------------------------------------------------

    /** The bilinear sample (docs/protocols.md 5.4) at (i, j) of the 256x192 grey noise.tif resized to w x h. */
    static double bilinear(int i, int j, int w, int h) {
        double xs = 256.0 / w;
        double ys = 192.0 / h;
        int ii = (int) Math.floor(i * xs);
        int jj = (int) Math.floor(j * ys);
        double a = ii + 1 - i * xs;
        double b = i * xs - ii;
        double c = jj + 1 - j * ys;
        double d = j * ys - jj;
        int last = 256 * 192 - 1;
        int p11 = jj * 256 + ii; // iipsrv's neighbours are offsets in the flat buffer, clamped to its end
        int[] n = {p11, Math.min(p11 + 1, last), Math.min(p11 + 256, last), Math.min(p11 + 257, last)};
        double[] s = new double[4];
        for (int k = 0; k < 4; k++) {
            s[k] = noise.sample(0, n[k] % 256, n[k] / 256, 0);
        }
        return (int) (c * (a * s[0] + b * s[1]) + d * (a * s[2] + b * s[3]));
    }

    @Test
    void interpolationZeroResizesByNearestNeighbour() throws Exception {
        // docs/protocols.md 5.4: nearest takes source pixel floor(i * 256 / 200); bilinear blends four
        TiffWriter.PixelFunction nearestPixels = (x, y, c) -> noise.sample(0, (int) Math.floor(x * (256f / 200f)),
                (int) Math.floor(y * (192f / 150f)), 0);
        TiffWriter.PixelFunction bilinearPixels = (x, y, c) -> bilinear(x, y, 200, 150);
        String q = "FIF=noise.tif&WID=200&QLT=100&CVT=jpeg";
        BufferedImage near = ok(nearest.iipUrl() + "?" + q).image();
        BufferedImage blend = image(q);
        assertEquals(200, near.getWidth());
        assertPsnr(38, near, nearestPixels, 1, "nearest");
        assertPsnr(38, blend, bilinearPixels, 1, "bilinear");
        double[] cross = {Pixels.psnr(near, bilinearPixels, 1), Pixels.psnr(blend, nearestPixels, 1)};
        assertTrue(cross[0] < 25 && cross[1] < 25, "the two differ: " + java.util.Arrays.toString(cross));
    }

    // ---- bands on several threads ----------------------------------------------------------------

    @Test
    void rendersOnSeveralThreadsGiveTheBytesOfOne() throws Exception {
        String[] queries = {
            "FIF=large.tif&WID=2048&CVT=jpeg",
            "FIF=large.tif&RGN=0.1,0.13,0.7,0.6&WID=1434&CVT=jpeg",
            "FIF=large.tif&RGN=0.1,0.13,0.7,0.6&WID=1200&GAM=0.8&CVT=jpeg",
            "FIF=large.tif&WID=1500&CTW=%5B0.2,0.5,0.3;0,1,0;1,0,0%5D&CNV=sharpen&CVT=jpeg",
            "FIF=large.tif&WID=2048&SHD=30,40&CVT=jpeg",
            "FIF=large.tif&WID=1900&CMP=hot&INV&ROT=90&CVT=jpeg",
        };
        for (String q : queries) {
            byte[] parallel = ok(iip + q).body();
            byte[] one = ok(serial.iipUrl() + "?" + q).body();
            assertArrayEquals(one, parallel, q);
        }
    }

    // ---- malformed arguments ---------------------------------------------------------------------

    @Test
    void malformedArgumentsNeverFail() throws Exception {
        String[] args = {"CTW=", "CTW=%5B", "CTW=%5D%5B", "CTW=%5B;;;%5D", "CTW=abc", "CTW=" + "1;".repeat(500),
            "CTW=%5B" + "1,".repeat(500) + "%5D", "CNV=%5B1,2%5D", "CNV=%5Babc%5D", "CNV=%5B", "CNV=" + "1,".repeat(80),
            "CNV=nonsense", "SHD=1", "SHD=a,b", "SHD=1,2,3", "SHD=99999,-99999", "SHD=,", "CMP=none", "GAM=abc",
            "CNT=", "CNT=-5", "MINMAX=9:1,2", "MINMAX=0:5,5", "INV=x"};
        for (String a : args) {
            for (String image : new String[] {"rgb.tif", "dem.tif", "grey16.tif"}) {
                for (String out : new String[] {"WID=200&CVT=jpeg", "JTL=1,0"}) {
                    String q = "FIF=" + image + "&" + a + "&" + out;
                    Http.Reply r = Http.get(iip + q);
                    assertEquals(200, r.status(), q);
                    assertEquals("image/jpeg", r.contentType(), q);
                    r.image();
                }
            }
        }
    }
}
