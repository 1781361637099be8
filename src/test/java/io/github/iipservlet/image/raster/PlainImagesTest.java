package io.github.iipservlet.image.raster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Chunks;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain JPEG, PNG and striped TIFF files served as pyramids (docs/protocols.md 9.6), through the
 * real server, on files the JDK's ImageIO writes here. Tiles (PTL, lossless PNG) are compared with
 * the JDK's own decode of the same file, halved as the server halves (2x2 means, rounded): exactly
 * for PNG and TIFF; for JPEG within a mean absolute difference per sample of 1.5 at full size
 * (measured 0: libjpeg-turbo decodes these files as the JDK's libjpeg does), and at the levels
 * below within 2 where libjpeg-turbo scales in the DCT (measured 1.21: a 1/2^k DCT is not a 2x2
 * mean) and 4 where the JDK's reader subsamples without it (measured 3.34: every 2^k-th pixel, on
 * an image with sharp edges). Run with and without libturbojpeg (the jdk-codecs execution).
 */
class PlainImagesTest {
    @TempDir
    static Path tmp;
    static TestServer server;
    static String iip;
    static Path images;

    @BeforeAll
    static void start() throws Exception {
        images = Files.createDirectories(tmp.resolve("images"));
        BufferedImage rgb = picture(1000, 700, BufferedImage.TYPE_3BYTE_BGR);
        BufferedImage grey = picture(1000, 700, BufferedImage.TYPE_BYTE_GRAY);
        Files.write(images.resolve("rgb.jpg"), jpeg(rgb, false));
        Files.write(images.resolve("progressive.jpg"), jpeg(rgb, true));
        Files.write(images.resolve("grey.jpg"), jpeg(grey, false));
        Files.write(images.resolve("icc.jpg"), withSegment(jpeg(rgb, false), iccSegment()));
        Files.write(images.resolve("rotated.jpg"), withSegment(jpeg(rgb, false), exifOrientation(6)));
        ImageIO.write(rgb, "png", images.resolve("rgb.png").toFile());
        ImageIO.write(sixteenBitGrey(600, 400), "png", images.resolve("grey16.png").toFile());
        ImageIO.write(picture(600, 400, BufferedImage.TYPE_INT_ARGB), "png", images.resolve("alpha.png").toFile());
        ImageIO.write(palette(600, 400), "png", images.resolve("palette.png").toFile());
        ImageIO.write(rgb, "tiff", images.resolve("striped.tif").toFile());
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/"));
        iip = server.iipUrl() + "?";
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** Smooth gradients with some edges: what photographs have. */
    static BufferedImage picture(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 255 / w);
                int g = (y * 255 / h);
                int b = ((x / 50 + y / 50) % 2 == 0) ? 200 : 60;
                int a = type == BufferedImage.TYPE_INT_ARGB ? (x + y) % 256 : 255;
                img.setRGB(x, y, a << 24 | r << 16 | g << 8 | b);
            }
        }
        return img;
    }

    static BufferedImage sixteenBitGrey(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (x * 65535 / w + y * 37) & 0xffff);
            }
        }
        return img;
    }

    static BufferedImage palette(int w, int h) {
        byte[] r = new byte[16];
        byte[] g = new byte[16];
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            r[i] = (byte) (i * 16);
            g[i] = (byte) (255 - i * 16);
            b[i] = (byte) (i * 7);
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(4, 16, r, g, b));
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (x / 40 + y / 30) % 16);
            }
        }
        return img;
    }

    static byte[] jpeg(BufferedImage img, boolean progressive) throws Exception {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = writer.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(0.95f);
        if (progressive) {
            p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream s = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(s);
            writer.write(null, new IIOImage(img, null, null), p);
        }
        writer.dispose();
        return out.toByteArray();
    }

    /** A JPEG with one more marker segment right after its SOI. */
    static byte[] withSegment(byte[] jpeg, byte[] segment) {
        byte[] out = new byte[jpeg.length + segment.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(segment, 0, out, 2, segment.length);
        System.arraycopy(jpeg, 2, out, 2 + segment.length, jpeg.length - 2);
        return out;
    }

    static byte[] segment(int marker, byte[] body) {
        byte[] s = new byte[body.length + 4];
        s[0] = (byte) 0xFF;
        s[1] = (byte) marker;
        s[2] = (byte) ((body.length + 2) >> 8);
        s[3] = (byte) (body.length + 2);
        System.arraycopy(body, 0, s, 4, body.length);
        return s;
    }

    static byte[] sRgbProfile() {
        return ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_sRGB).getData();
    }

    static byte[] iccSegment() {
        byte[] profile = sRgbProfile();
        byte[] body = new byte[14 + profile.length];
        System.arraycopy("ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, body, 0, 12);
        body[12] = 1;
        body[13] = 1;
        System.arraycopy(profile, 0, body, 14, profile.length);
        return segment(0xE2, body);
    }

    static byte[] exifOrientation(int orientation) {
        byte[] body = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 1, 18, 0, 3, 0, 0, 0, 1,
            0, (byte) orientation, 0, 0, 0, 0, 0, 0};
        return segment(0xE1, body);
    }

    /** The samples of an image, channel-interleaved (palettes expanded to RGB). */
    static int[] samples(BufferedImage img, int channels) {
        int w = img.getWidth();
        int h = img.getHeight();
        if (img.getColorModel() instanceof IndexColorModel || img.getRaster().getNumBands() != channels) {
            int[] out = new int[w * h * channels];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y);
                    for (int c = 0; c < channels; c++) {
                        out[(y * w + x) * channels + c] = c == 3 ? argb >>> 24 : argb >> (16 - 8 * c) & 0xff;
                    }
                }
            }
            return out;
        }
        return img.getRaster().getPixels(0, 0, w, h, (int[]) null);
    }

    /** 2x2 means, rounded, to half the size rounded down: the server's halving. */
    static int[] halve(int[] s, int w, int h, int ch) {
        int hw = Math.max(1, w / 2);
        int hh = Math.max(1, h / 2);
        int[] out = new int[hw * hh * ch];
        for (int y = 0; y < hh; y++) {
            for (int x = 0; x < hw; x++) {
                int x0 = Math.min(2 * x, w - 1);
                int x1 = Math.min(2 * x + 1, w - 1);
                int y0 = Math.min(2 * y, h - 1);
                int y1 = Math.min(2 * y + 1, h - 1);
                for (int c = 0; c < ch; c++) {
                    int sum = s[(y0 * w + x0) * ch + c] + s[(y0 * w + x1) * ch + c] + s[(y1 * w + x0) * ch + c]
                            + s[(y1 * w + x1) * ch + c];
                    out[(y * hw + x) * ch + c] = (sum + 2) >> 2;
                }
            }
        }
        return out;
    }

    /**
     * Compares tiles of every level (PTL) with the reference decode halved; returns the largest mean
     * absolute difference of a tile at full size and at the lower levels.
     */
    static double[] compare(String name, int channels, int levels) throws Exception {
        BufferedImage ref = ImageIO.read(images.resolve(name).toFile());
        int w = ref.getWidth();
        int h = ref.getHeight();
        int[] s = samples(ref, channels);
        double[] worst = new double[2];
        int total = 1;
        for (int lw = w, lh = h; lw > 256 || lh > 256; lw = Math.max(1, lw / 2), lh = Math.max(1, lh / 2)) {
            total++;
        }
        for (int k = 0; k < levels; k++) {
            int resolution = total - 1 - k;
            int across = (w + 255) / 256;
            int tiles = across * ((h + 255) / 256);
            for (int tile : new int[] {0, tiles - 1, tiles / 2}) {
                Http.Reply r = Http.get(iip + "FIF=" + name + "&PTL=" + resolution + "," + tile);
                assertEquals(200, r.status(), name + " " + resolution + "," + tile + ": " + r.text());
                BufferedImage got = r.image();
                int tx = tile % across * 256;
                int ty = tile / across * 256;
                assertEquals(Math.min(256, w - tx) + "x" + Math.min(256, h - ty), got.getWidth() + "x"
                        + got.getHeight(), name + " tile size");
                int[] g = samples(got, channels);
                long sum = 0;
                for (int y = 0; y < got.getHeight(); y++) {
                    for (int x = 0; x < got.getWidth(); x++) {
                        for (int c = 0; c < channels; c++) {
                            sum += Math.abs(g[(y * got.getWidth() + x) * channels + c]
                                    - s[((ty + y) * w + tx + x) * channels + c]);
                        }
                    }
                }
                double mean = (double) sum / g.length;
                worst[k == 0 ? 0 : 1] = Math.max(worst[k == 0 ? 0 : 1], mean);
            }
            s = halve(s, w, h, channels);
            w = Math.max(1, w / 2);
            h = Math.max(1, h / 2);
        }
        return worst;
    }

    @Test
    void jpegTilesAtEveryLevelMatchTheJdksDecode() throws Exception {
        double lower = io.github.iipservlet.codec.TurboJpeg.available() ? 2 : 4;
        for (String name : List.of("rgb.jpg", "progressive.jpg", "icc.jpg", "rotated.jpg")) {
            double[] worst = compare(name, 3, 3);
            assertTrue(worst[0] <= 1.5 && worst[1] <= lower, name + ": mean differences " + Arrays.toString(worst));
        }
        double[] grey = compare("grey.jpg", 1, 3);
        assertTrue(grey[0] <= 1.5 && grey[1] <= lower, "grey.jpg: " + Arrays.toString(grey));
    }

    @Test
    void pngAndStripedTiffTilesAreExact() throws Exception {
        assertEquals("[0.0, 0.0]", Arrays.toString(compare("rgb.png", 3, 3)));
        assertEquals("[0.0, 0.0]", Arrays.toString(compare("striped.tif", 3, 3)));
        assertEquals("[0.0, 0.0]", Arrays.toString(compare("palette.png", 3, 2)));
        assertEquals("[0.0, 0.0]", Arrays.toString(compare("alpha.png", 3, 2)));
    }

    @Test
    void sixteenBitPngKeepsItsSamples() throws Exception {
        Http.Reply r = Http.get(iip + "FIF=grey16.png&PTL=2,0");
        assertEquals(200, r.status(), r.text());
        BufferedImage got = r.image();
        assertEquals(16, got.getColorModel().getComponentSize(0));
        BufferedImage ref = ImageIO.read(images.resolve("grey16.png").toFile());
        int[] s = samples(ref, 1);
        int[] g = got.getRaster().getPixels(0, 0, 256, 256, (int[]) null);
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                assertEquals(s[y * 600 + x], g[y * 256 + x], "sample at " + x + "," + y);
            }
        }
    }

    @Test
    void levelsInfoAndOtherProtocols() throws Exception {
        assertEquals("Max-size:1000 700", Http.get(iip + "FIF=rgb.jpg&OBJ=Max-size").text().trim());
        assertEquals("Resolution-number:3", Http.get(iip + "FIF=rgb.jpg&OBJ=Resolution-number").text().trim());
        String info = Http.get(server.baseUrl() + "/iiif/rgb.png/info.json").text();
        assertTrue(info.replace(" ", "").contains("\"width\":1000"), info);
        assertTrue(info.replace(" ", "").contains("{\"width\":250,\"height\":175}"), info.substring(0, 600));
        assertTrue(info.replace(" ", "").contains("{\"width\":500,\"height\":350}"), info);
        Http.Reply region = Http.get(server.baseUrl() + "/iiif/striped.tif/100,50,300,200/max/0/default.png");
        assertEquals(200, region.status());
        BufferedImage got = region.image();
        BufferedImage ref = ImageIO.read(images.resolve("striped.tif").toFile());
        for (int y = 0; y < 200; y += 13) {
            for (int x = 0; x < 300; x += 17) {
                assertEquals(ref.getRGB(100 + x, 50 + y), got.getRGB(x, y));
            }
        }
        BufferedImage cvt = Http.get(iip + "FIF=rgb.png&WID=500&RGN=0,0,1,1&CVT=png").image();
        assertEquals("500x350", cvt.getWidth() + "x" + cvt.getHeight());
        assertEquals(200, Http.get(iip + "DeepZoom=rgb.jpg.dzi").status());
        assertEquals(200, Http.get(iip + "DeepZoom=palette.png_files/10/1_1.jpg").status());
        assertEquals("<IMAGE_PROPERTIES WIDTH=\"1000\" HEIGHT=\"700\" NUMTILES=\"17\" NUMIMAGES=\"1\" VERSION=\"1.8\" "
                + "TILESIZE=\"256\"/>", Http.get(iip + "Zoomify=rgb.jpg/ImageProperties.xml").text());
        assertEquals(200, Http.get(iip + "Zoomify=grey.jpg/TileGroup0/2-3-2.jpg").status());
    }

    /** EXIF orientation is read and not applied, as iipsrv (docs/protocols.md 9.6): 1000x700 stays so. */
    @Test
    void exifOrientationIsNotApplied() throws Exception {
        assertEquals("Max-size:1000 700", Http.get(iip + "FIF=rotated.jpg&OBJ=Max-size").text().trim());
    }

    /** The APP2 profile is read and embedded in outputs as a TIFF's is (docs/protocols.md 10). */
    @Test
    void iccProfileIsRead() throws Exception {
        byte[] png = Http.get(iip + "FIF=icc.jpg&PTL=2,0").body();
        org.junit.jupiter.api.Assertions.assertArrayEquals(sRgbProfile(), Chunks.pngIcc(Chunks.png(png)));
        org.junit.jupiter.api.Assertions.assertNull(
                Chunks.pngIcc(Chunks.png(Http.get(iip + "FIF=rgb.jpg&PTL=2,0").body())));
    }

    /**
     * A 40-megapixel JPEG: eight concurrent first tile requests decode its full level once, and
     * later tiles decode nothing (the context's decoded-level cache, RasterCache).
     */
    @Test
    void aLargeJpegIsDecodedOncePerLevel() throws Exception {
        BufferedImage big = picture(7300, 5480, BufferedImage.TYPE_3BYTE_BGR);
        Files.write(images.resolve("big.jpg"), jpeg(big, false));
        RasterCache cache = (RasterCache) server.contextAttribute(RasterCache.class.getName());
        long before = cache.stats().decodes();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Http.Reply>> replies = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int tile = t * 79;
                replies.add(pool.submit(() -> Http.get(iip + "FIF=big.jpg&JTL=5," + tile)));
            }
            for (Future<Http.Reply> f : replies) {
                assertEquals(200, f.get().status(), f.get().text());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1, cache.stats().decodes() - before);
        for (int tile : new int[] {1, 500, 620}) {
            assertEquals(200, Http.get(iip + "FIF=big.jpg&JTL=5," + tile).status());
        }
        assertEquals(1, cache.stats().decodes() - before);
        String health = server.health();
        assertTrue(TestServer.healthNumber(health, "decodes") >= 1, health);
    }

    /** Damaged plain files are a clean 404, never a 500 (docs/protocols.md 9.6). */
    @Test
    void damagedFilesAre404() throws Exception {
        byte[] jpeg = Files.readAllBytes(images.resolve("rgb.jpg"));
        byte[] png = Files.readAllBytes(images.resolve("rgb.png"));
        byte[] tiff = Files.readAllBytes(images.resolve("striped.tif"));
        Map<String, byte[]> damaged = Map.of(
                "cut-header.jpg", Arrays.copyOf(jpeg, 300),
                "cut-data.jpg", Arrays.copyOf(jpeg, jpeg.length / 2),
                "garbage.jpg", garbage(jpeg, 600),
                "cut.png", Arrays.copyOf(png, png.length / 2),
                "garbage.png", garbage(png, 100),
                "cut.tif", Arrays.copyOf(tiff, tiff.length / 3));
        for (Map.Entry<String, byte[]> e : damaged.entrySet()) {
            Files.write(images.resolve(e.getKey()), e.getValue());
            for (String q : List.of("&OBJ=Max-size", "&JTL=0,0", "&JTL=2,5", "&PTL=1,1")) {
                Http.Reply r = Http.get(iip + "FIF=" + e.getKey() + q);
                assertTrue(r.status() == 200 || r.status() == 404, e.getKey() + q + ": " + r.status() + " " + r.text());
            }
        }
    }

    private static byte[] garbage(byte[] file, int from) {
        byte[] out = file.clone();
        java.util.Random rnd = new java.util.Random(from);
        for (int i = from; i < out.length; i += 7) {
            out[i] = (byte) rnd.nextInt();
        }
        return out;
    }
}
