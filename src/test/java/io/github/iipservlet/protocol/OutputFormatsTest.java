package io.github.iipservlet.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import io.github.iipservlet.Version;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.testsupport.Chunks;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Jpegs;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every output format through the real webapp (docs/protocols.md 3.3, 3.6, 8.5.4, 10): PNG, WebP and TIFF
 * tiles (PTL, WTL, TTL) and regions (CVT, IIIF) decode with an independent ImageIO reader, chosen
 * by class, to the pixels of the source and of the JPEG path; the metadata iipsrv writes is there
 * (Software, rights, resolution), the ICC profile only under the MAX_ICC rule, 16-bit images stay
 * 16-bit in PNG and TIFF when nothing needs 8 bits, and every TIFF compression decodes.
 */
class OutputFormatsTest {
    @TempDir
    static Path tmp;
    /** Defaults, plus COPYRIGHT for images without rights. */
    static TestServer server;
    /** MAX_ICC equal to the profile's size (so never embedded), TIFF_COMPRESSION=1 (LZW), MAX_CVT=-1. */
    static TestServer strict;
    static String iip;
    static TiffWriter.Written deflate;
    static TiffWriter.Written grey16;
    static final byte[] SRGB = ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData();

    @BeforeAll
    static void start() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        TiffWriter.builder().size(1000, 700).tile(256, 256).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).tag("Artist", "Jane Doe")
                .tag("Copyright", "Copyright Test 2024").resolution(28.34, 28.34, 3).iccProfile(SRGB)
                .write(images.resolve("test.tif"));
        deflate = TiffWriter.builder().size(1000, 700).tile(256, 256).compression(TiffWriter.Compression.DEFLATE)
                .predictor(2).photometric(TiffWriter.Photometric.RGB).tag("DocumentName", "Deflate test")
                .tag("ImageDescription", "A gradient \u00e9t\u00e9").write(images.resolve("deflate.tif"));
        grey16 = TiffWriter.builder().size(600, 400).tile(256, 256).channels(1).bits(16)
                .photometric(TiffWriter.Photometric.MINISBLACK).compression(TiffWriter.Compression.DEFLATE)
                .predictor(2).resolution(300, 300, 2).pixels(TestImages::grey16).write(images.resolve("grey16.tif"));
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "COPYRIGHT", "Global rights"));
        strict = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "MAX_ICC",
                String.valueOf(SRGB.length), "TIFF_COMPRESSION", "1", "MAX_CVT", "-1"));
        iip = server.iipUrl() + "?";
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        strict.close();
    }

    private static Http.Reply ok(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), () -> url + ": " + r.text());
        return r;
    }

    private static Http.Reply get(String query) throws Exception {
        return ok(iip + query);
    }

    /** Decodes a reply with the reader its Content-Type calls for, chosen by class. */
    private static BufferedImage decode(Http.Reply r) throws Exception {
        String reader = switch (r.contentType()) {
            case "image/png" -> Chunks.JDK_PNG;
            case "image/tiff" -> Chunks.JDK_TIFF;
            case "image/webp" -> Chunks.WEBP;
            case "image/jpeg" -> Chunks.JDK_JPEG;
            default -> throw new AssertionError("not an image: " + r.contentType() + " " + r.text());
        };
        return Chunks.decode(r.body(), reader);
    }

    private static String size(BufferedImage img) {
        return img.getWidth() + "x" + img.getHeight();
    }

    /** Largest difference of any band sample between two images of the same size and bands. */
    private static int maxDifference(BufferedImage a, BufferedImage b) {
        assertEquals(size(a), size(b));
        Raster ra = a.getRaster();
        Raster rb = b.getRaster();
        assertEquals(ra.getNumBands(), rb.getNumBands());
        int max = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                for (int c = 0; c < ra.getNumBands(); c++) {
                    max = Math.max(max, Math.abs(ra.getSample(x, y, c) - rb.getSample(x, y, c)));
                }
            }
        }
        return max;
    }

    /** PSNR in dB of the first three (or one) bands of two 8-bit images. */
    private static double psnr(BufferedImage a, BufferedImage b) {
        assertEquals(size(a), size(b));
        int bands = Math.min(3, Math.min(a.getRaster().getNumBands(), b.getRaster().getNumBands()));
        double sum = 0;
        long n = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                for (int c = 0; c < bands; c++) {
                    double d = a.getRaster().getSample(x, y, c) - b.getRaster().getSample(x, y, c);
                    sum += d * d;
                    n++;
                }
            }
        }
        return sum == 0 ? 99 : 10 * Math.log10(255.0 * 255 * n / sum);
    }

    /** Asserts the image shows the stored samples of deflate.tif at (x0, y0) of a level, exactly. */
    private static void assertStored(BufferedImage img, int level, int x0, int y0) {
        Raster r = img.getRaster();
        assertEquals(3, r.getNumBands());
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                for (int c = 0; c < 3; c++) {
                    int want = (int) deflate.sample(level, x0 + x, y0 + y, c);
                    if (r.getSample(x, y, c) != want) {
                        throw new AssertionError("sample " + c + " at " + x + "," + y + ": " + r.getSample(x, y, c)
                                + " instead of " + want);
                    }
                }
            }
        }
    }

    // ---- tiles -------------------------------------------------------------------------------

    @Test
    void tileCommandsGiveEachFormatTheJpegTilesSizeAndPixels() throws Exception {
        // Full-resolution tiles 0 (256x256 at 0,0), 3 (right edge, 232x256) and 11 (corner, 232x188).
        int[][] tiles = {{0, 0, 0}, {3, 768, 0}, {11, 768, 512}};
        for (int[] t : tiles) {
            String tile = "2," + t[0];
            Http.Reply jtl = get("FIF=deflate.tif&QLT=100&JTL=" + tile);
            Http.Reply ptl = get("FIF=deflate.tif&PTL=" + tile);
            Http.Reply wtl = get("FIF=deflate.tif&WTL=" + tile);
            Http.Reply ttl = get("FIF=deflate.tif&TTL=" + tile);
            for (Http.Reply r : List.of(jtl, ptl, wtl, ttl)) {
                assertEquals(String.valueOf(r.body().length), r.header("Content-Length"), tile);
                assertNull(r.header("Content-Disposition"), tile);
            }
            assertEquals("image/png", ptl.contentType());
            assertEquals("image/webp", wtl.contentType());
            assertEquals("image/tiff", ttl.contentType());
            BufferedImage jpeg = decode(jtl);
            BufferedImage png = decode(ptl);
            BufferedImage webp = decode(wtl);
            BufferedImage tiff = decode(ttl);
            for (BufferedImage img : List.of(png, webp, tiff)) {
                assertEquals(size(jpeg), size(img), tile);
            }
            assertStored(png, 0, t[1], t[2]);
            assertStored(tiff, 0, t[1], t[2]);
            // JPEG's 4:2:0 chroma costs some dB on the dark grid lines.
            assertTrue(psnr(jpeg, png) > 28, tile + ": JPEG " + psnr(jpeg, png));
            // WEBP_QUALITY 50, lossy; QLT raises it (measured: 4:2:0 chroma caps this image near 33 dB).
            assertTrue(psnr(webp, png) > 27, tile + ": WebP " + psnr(webp, png));
            Http.Reply better = get("FIF=deflate.tif&QLT=95&WTL=" + tile);
            assertTrue(better.body().length > 2 * wtl.body().length, tile);
            assertTrue(psnr(decode(better), png) > psnr(webp, png), tile);
        }
        assertEquals("244x256", size(decode(get("FIF=deflate.tif&PTL=1,1"))));
    }

    @Test
    void losslessWebpEqualsPng() throws Exception {
        // QLT below 1 is lossless WebP (docs/protocols.md 3.7); for PNG it is zlib level 0, lossless too.
        for (String q : new String[] {"FIF=deflate.tif&QLT=0&%s=2,5", "FIF=deflate.tif&QLT=0&WID=300&CVT=%s",
            "FIF=test.tif&QLT=0&ROT=90&%s=1,1"}) {
            boolean tile = q.contains("=2,5") || q.contains("=1,1");
            BufferedImage png = decode(get(q.formatted(tile ? "PTL" : "png")));
            BufferedImage webp = decode(get(q.formatted(tile ? "WTL" : "webp")));
            assertEquals(0, maxDifference(png, webp), q);
        }
        // The same with WEBP_QUALITY=-1 (checked by size: lossless is far larger than quality 50).
        assertTrue(get("FIF=deflate.tif&QLT=0&WTL=2,5").body().length
                > 2 * get("FIF=deflate.tif&WTL=2,5").body().length);
    }

    @Test
    void sixteenBitStaysSixteenBitWhereNothingNeedsEightBits() throws Exception {
        // grey16.tif: 600x400, levels 600x400, 300x200, 150x100; full-resolution tile 1 is x 256..511.
        int full = grey16.levelCount() - 1;
        for (String cmd : new String[] {"PTL", "TTL"}) {
            BufferedImage img = decode(get("FIF=grey16.tif&" + cmd + "=" + full + ",1"));
            Raster r = img.getRaster();
            assertEquals(16, r.getSampleModel().getSampleSize(0), cmd);
            assertEquals(1, r.getNumBands());
            assertEquals("256x256", size(img));
            for (int y = 0; y < 256; y += 7) {
                for (int x = 0; x < 256; x += 5) {
                    assertEquals((int) grey16.sample(0, 256 + x, y, 0), r.getSample(x, y, 0), cmd + " " + x + "," + y);
                }
            }
            // Rotation keeps 16 bits: clockwise, output (x, y) shows tile pixel (y, 255 - x).
            Raster turned = decode(get("FIF=grey16.tif&ROT=90&" + cmd + "=" + full + ",1")).getRaster();
            assertEquals(16, turned.getSampleModel().getSampleSize(0));
            assertEquals((int) grey16.sample(0, 256 + 10, 255 - 3, 0), turned.getSample(3, 10, 0));
            // Contrast needs the 8-bit pipeline.
            Raster contrast = decode(get("FIF=grey16.tif&CNT=1.5&" + cmd + "=" + full + ",1")).getRaster();
            assertEquals(8, contrast.getSampleModel().getSampleSize(0), cmd);
        }
        // A resized region at 16 bits agrees with the 8-bit pipeline's normalisation (MINMAX forces it).
        Raster deep = decode(get("FIF=grey16.tif&WID=300&CVT=png")).getRaster();
        assertEquals(16, deep.getSampleModel().getSampleSize(0));
        Raster shallow = decode(get("FIF=grey16.tif&MINMAX=0:0,65535&WID=300&CVT=png")).getRaster();
        assertEquals(8, shallow.getSampleModel().getSampleSize(0));
        assertEquals(deep.getWidth() + "x" + deep.getHeight(), shallow.getWidth() + "x" + shallow.getHeight());
        for (int y = 0; y < deep.getHeight(); y++) {
            for (int x = 0; x < deep.getWidth(); x++) {
                assertTrue(Math.abs((deep.getSample(x, y, 0) >> 8) - shallow.getSample(x, y, 0)) <= 1, x + "," + y);
            }
        }
        // WebP and JPEG are 8-bit: WebP writes the top 8 bits in R, G and B.
        Raster webp = decode(get("FIF=grey16.tif&QLT=0&WTL=" + full + ",1")).getRaster();
        for (int c = 0; c < 3; c++) {
            assertEquals((int) grey16.sample(0, 256 + 20, 30, 0) >> 8, webp.getSample(20, 30, c));
        }
        // IIIF too: default quality keeps 16 bits, gray is processing.
        Raster iiif = decode(ok(server.baseUrl() + "/iiif/grey16.tif/full/max/0/default.png")).getRaster();
        assertEquals(16, iiif.getSampleModel().getSampleSize(0));
        assertEquals(600, iiif.getWidth());
    }

    // ---- regions -----------------------------------------------------------------------------

    @Test
    void cvtWritesEveryFormatWithTheRightNameAndPixels() throws Exception {
        BufferedImage jpeg = decode(get("FIF=deflate.tif&QLT=100&WID=300&CVT=jpeg"));
        BufferedImage png = null;
        for (String[] f : new String[][] {{"png", "image/png", "png"}, {"webp", "image/webp", "webp"},
            {"tiff", "image/tiff", "tif"}, {"tif", "image/tiff", "tif"}, {"PNG", "image/png", "png"},
            {"jpg", "image/jpeg", "jpg"}, {"foo", "image/jpeg", "jpg"}}) {
            Http.Reply r = get("FIF=deflate.tif&WID=300&CVT=" + f[0]);
            assertEquals(f[1], r.contentType(), f[0]);
            assertEquals("inline; filename=\"deflate_300x210." + f[2] + "\"", r.header("Content-Disposition"), f[0]);
            BufferedImage img = decode(r);
            assertEquals("300x210", size(img), f[0]);
            assertTrue(psnr(jpeg, img) > 33, f[0] + ": " + psnr(jpeg, img));
            if (f[0].equals("png")) {
                png = img;
            } else if (f[0].startsWith("tif")) {
                assertEquals(0, maxDifference(png, img), f[0]);
            }
        }
        Http.Reply post = Http.send("POST", server.iipUrl(), "FIF=deflate.tif&WID=300&CVT=webp", "Content-Type",
                "application/x-www-form-urlencoded");
        assertEquals("attachment; filename=\"deflate_300x210.webp\"", post.header("Content-Disposition"));
        // A name that needs sanitising keeps its sanitising in every suffix.
        Files.copy(tmp.resolve("images/deflate.tif"), tmp.resolve("images/a\"b.tif"));
        assertEquals("inline; filename=\"a_b_100x70.tif\"",
                get("FIF=a%22b.tif&WID=100&CVT=tiff").header("Content-Disposition"));
    }

    @Test
    void processingAndRotationApplyInEveryFormat() throws Exception {
        BufferedImage jpeg = decode(get("FIF=deflate.tif&QLT=100&INV&ROT=90&WID=200&CVT=jpeg"));
        assertEquals("140x200", size(jpeg));
        for (String f : new String[] {"png", "webp", "tiff"}) {
            BufferedImage img = decode(get("FIF=deflate.tif&INV&ROT=90&WID=200&CVT=" + f));
            assertTrue(psnr(jpeg, img) > 30, f + ": " + psnr(jpeg, img));
        }
        // Greyscale: one channel in PNG and TIFF, three equal channels in WebP.
        assertEquals(1, decode(get("FIF=deflate.tif&COL=gray&WID=200&CVT=png")).getRaster().getNumBands());
        assertEquals(1, decode(get("FIF=deflate.tif&COL=gray&WID=200&CVT=tiff")).getRaster().getNumBands());
        Raster grey = decode(get("FIF=deflate.tif&QLT=0&COL=gray&WID=200&CVT=webp")).getRaster();
        assertEquals(grey.getSample(50, 60, 0), grey.getSample(50, 60, 2));
    }

    // ---- metadata ----------------------------------------------------------------------------

    @Test
    void pngCarriesSoftwareRightsTextAndResolution() throws Exception {
        List<Chunks.Chunk> tile = Chunks.png(get("FIF=test.tif&PTL=0,0").body());
        assertEquals("IHDR", tile.get(0).type());
        assertEquals("IEND", tile.get(tile.size() - 1).type());
        assertEquals(Version.SERVER, Chunks.pngText(tile, "Software"));
        assertEquals("Copyright Test 2024", Chunks.pngText(tile, "Copyright"));
        assertEquals("Jane Doe", Chunks.pngText(tile, "Author"));
        // 28.34 px/cm at the quarter level: 7.085 px/cm = 708.5 px/m, rounded; unit metre.
        ByteBuffer phys = ByteBuffer.wrap(Chunks.find(tile, "pHYs").data());
        assertEquals(709, phys.getInt());
        assertEquals(709, phys.getInt());
        assertEquals(1, phys.get());
        List<Chunks.Chunk> region = Chunks.png(get("FIF=deflate.tif&WID=300&CVT=png").body());
        assertEquals("Global rights", Chunks.pngText(region, "Copyright"));
        assertEquals("Deflate test", Chunks.pngText(region, "Title"));
        assertEquals("A gradient \u00e9t\u00e9", Chunks.pngText(region, "Description"));
        assertNull(Chunks.find(region, "pHYs"), "no resolution in the source");
        // 300 dpi at the half level: 150 px/inch = 5905.5 px/m.
        ByteBuffer inch = ByteBuffer.wrap(Chunks.find(Chunks.png(get("FIF=grey16.tif&WID=300&CVT=png").body()),
                "pHYs").data());
        assertEquals(5906, inch.getInt());
        // PNG_QUALITY is the zlib level: 1 (the default) compresses, 0 stores.
        assertTrue(get("FIF=deflate.tif&QLT=0&PTL=2,5").body().length
                > 2 * get("FIF=deflate.tif&PTL=2,5").body().length);
    }

    @Test
    void iccProfileOnlyUnderTheMaxIccRule() throws Exception {
        // Embedded: PNG iCCP, JPEG APP2 (re-encoded and passed through), WebP ICCP, TIFF tag 34675.
        assertArrayEquals(SRGB, Chunks.pngIcc(Chunks.png(get("FIF=test.tif&PTL=0,0").body())));
        byte[] reencoded = get("FIF=test.tif&QLT=90&JTL=2,0").body();
        assertArrayEquals(SRGB, jpegIcc(reencoded));
        byte[] passed = get("FIF=test.tif&JTL=2,1").body();
        assertNull(Jpegs.jfifDensity(passed), "still the stored stream");
        assertArrayEquals(SRGB, jpegIcc(passed));
        assertEquals("256x256", size(Chunks.decode(passed, Chunks.JDK_JPEG)));
        byte[] webp = get("FIF=test.tif&WTL=0,0").body();
        List<Chunks.Chunk> riff = Chunks.webp(webp);
        assertEquals("VP8X", riff.get(0).type());
        assertEquals(0x20, riff.get(0).data()[0] & 0x20);
        assertArrayEquals(SRGB, Chunks.find(riff, "ICCP").data());
        assertEquals("250x175", size(Chunks.decode(webp, Chunks.WEBP)));
        assertArrayEquals(SRGB, (byte[]) tiffTags(get("FIF=test.tif&TTL=0,0").body()).getEntryById(34675).getValue());

        // Not embedded: greyscale, a colormap, bitonal (an RGB profile does not fit one channel).
        assertNull(Chunks.pngIcc(Chunks.png(get("FIF=test.tif&COL=gray&PTL=0,0").body())));
        assertNull(Chunks.pngIcc(Chunks.png(get("FIF=test.tif&CMP=JET&PTL=0,0").body())));
        assertNull(Chunks.pngIcc(Chunks.png(get("FIF=test.tif&COL=binary&PTL=0,0").body())));
        assertNull(jpegIcc(get("FIF=test.tif&COL=gray&JTL=0,0").body()));
        assertNull(Chunks.find(Chunks.webp(get("FIF=test.tif&CMP=JET&WTL=0,0").body()), "ICCP"));
        // Nor at MAX_ICC equal to the profile's size (only smaller profiles are embedded).
        String s = strict.iipUrl() + "?FIF=test.tif&";
        assertNull(Chunks.pngIcc(Chunks.png(ok(s + "PTL=0,0").body())));
        assertNull(jpegIcc(ok(s + "QLT=90&JTL=2,0").body()));
        assertNull(jpegIcc(ok(s + "JTL=2,1").body()));
        assertNull(Chunks.find(Chunks.webp(ok(s + "WTL=0,0").body()), "ICCP"));
        assertNull(tiffTags(ok(s + "TTL=0,0").body()).getEntryById(34675));
    }

    /** The profile in a JPEG's APP2 ICC_PROFILE segments, joined, or null. */
    private static byte[] jpegIcc(byte[] jpeg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Jpegs.Segment s : Jpegs.segments(jpeg)) {
            byte[] p = s.payload();
            if (s.marker() == 0xE2 && new String(p, 0, 12, java.nio.charset.StandardCharsets.ISO_8859_1)
                    .equals("ICC_PROFILE\0")) {
                out.write(p, 14, p.length - 14);
            }
        }
        return out.size() == 0 ? null : out.toByteArray();
    }

    private static Directory tiffTags(byte[] tiff) throws Exception {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(tiff))) {
            return new TIFFReader().read(in);
        }
    }

    private static int intTag(Directory d, int tag) {
        Entry e = d.getEntryById(tag);
        assertNotNull(e, "tag " + tag);
        Object v = e.getValue();
        return v instanceof Number n ? n.intValue() : ((int[]) v)[0];
    }

    @Test
    void tiffCarriesTagsAndEveryCompressionDecodes() throws Exception {
        Directory tags = tiffTags(get("FIF=test.tif&TTL=0,0").body());
        assertEquals(8, intTag(tags, 259), "Deflate by default (TIFF_COMPRESSION=2)");
        assertEquals(2, intTag(tags, 262), "RGB");
        assertEquals(Version.SERVER, tags.getEntryById(305).getValueAsString());
        assertEquals("Copyright Test 2024", tags.getEntryById(33432).getValueAsString());
        assertEquals("Jane Doe", tags.getEntryById(315).getValueAsString());
        assertEquals(3, intTag(tags, 296), "centimetres");
        assertEquals(7.085, ((Number) tags.getEntryById(282).getValue()).doubleValue(), 1e-3);
        assertEquals(1, intTag(tags, 274), "top-left");
        Directory region = tiffTags(get("FIF=deflate.tif&WID=300&CVT=tiff").body());
        assertEquals("Global rights", region.getEntryById(33432).getValueAsString());
        assertEquals("Deflate test", region.getEntryById(269).getValueAsString());
        assertEquals(1, intTag(region, 296), "no resolution in the source: no unit");

        BufferedImage png = decode(get("FIF=deflate.tif&WID=300&CVT=png"));
        // QLT's prefix chooses the compression (WebP and Zstandard: TiffCompressionOutputTest).
        String[][] variants = {{"tiff:none", "1"}, {"none:5", "1"}, {"lzw:0", "5"}, {"deflate:9", "8"},
            {"deflate:0", "8"}, {"jpeg:90", "7"}};
        for (String[] v : variants) {
            byte[] tiff = get("FIF=deflate.tif&QLT=" + v[0] + "&WID=300&CVT=tiff").body();
            assertEquals(Integer.parseInt(v[1]), intTag(tiffTags(tiff), 259), v[0]);
            BufferedImage img = Chunks.decode(tiff, Chunks.JDK_TIFF);
            if (v[1].equals("7")) {
                assertEquals(6, intTag(tiffTags(tiff), 262), "JPEG colour is YCbCr");
                assertTrue(psnr(png, img) > 33, v[0] + ": " + psnr(png, img));
            } else {
                assertEquals(0, maxDifference(png, img), v[0]);
            }
        }
        // Greyscale JPEG-in-TIFF; 16-bit asks for JPEG but gets Deflate (JPEG is 8-bit).
        byte[] greyJpeg = get("FIF=deflate.tif&COL=gray&QLT=jpeg:80&WID=300&CVT=tiff").body();
        assertEquals(1, intTag(tiffTags(greyJpeg), 262));
        assertEquals(1, Chunks.decode(greyJpeg, Chunks.JDK_TIFF).getRaster().getNumBands());
        Directory deep = tiffTags(get("FIF=grey16.tif&QLT=jpeg:80&WID=300&CVT=tiff").body());
        assertEquals(8, intTag(deep, 259));
        assertEquals(16, intTag(deep, 258));
        // TIFF_COMPRESSION=1 on the second server.
        assertEquals(5, intTag(tiffTags(ok(strict.iipUrl() + "?FIF=deflate.tif&WID=300&CVT=tiff").body()), 259));
    }

    // ---- IIIF --------------------------------------------------------------------------------

    @Test
    void iiifServesPngWebpAndTif() throws Exception {
        String base = server.baseUrl() + "/iiif/deflate.tif/";
        BufferedImage jpeg = decode(ok(base + "full/300,/0/default.jpg"));
        for (String[] f : new String[][] {{"png", "image/png", "PTL"}, {"webp", "image/webp", "WTL"},
            {"tif", "image/tiff", "TTL"}}) {
            Http.Reply r = ok(base + "full/300,/0/default." + f[0]);
            assertEquals(f[1], r.contentType());
            assertEquals("inline; filename=\"deflate_300x210." + f[0] + "\"", r.header("Content-Disposition"));
            assertTrue(psnr(jpeg, decode(r)) > 30, f[0]);
            // The tile path is the IIP tile: same view, same bytes.
            Http.Reply tile = ok(base + "256,0,256,256/256,/0/default." + f[0]);
            assertNull(tile.header("Content-Disposition"));
            assertArrayEquals(get("FIF=deflate.tif&" + f[2] + "=2,1").body(), tile.body(), f[0]);
        }
        Raster grey = decode(ok(base + "full/200,/0/gray.tif")).getRaster();
        assertEquals(1, grey.getNumBands());
        assertEquals(501, Http.get(base + "full/max/0/default.tiff").status());
        assertEquals(501, Http.get(base + "full/max/0/default.gif").status());
        String info = ok(base + "info.json").text();
        assertTrue(info.contains(OutputFormat.AVIF.available() ? "\"extraFormats\": [\"tif\",\"webp\",\"avif\"],"
                : "\"extraFormats\": [\"tif\",\"webp\"],"), info);
    }

    // ---- bad input -----------------------------------------------------------------------------

    @Test
    void badInputNeverGivesA500() throws Exception {
        String[] queries = {"FIF=test.tif&QLT=foo:bar&CVT=tiff", "FIF=test.tif&QLT=-5&WTL=0,0",
            "FIF=test.tif&QLT=99999&CVT=png", "FIF=test.tif&QLT=:&TTL=0,0", "FIF=test.tif&PTL=9,0",
            "FIF=test.tif&WTL=2,99", "PTL=0,0", "FIF=test.tif&TTL=", "FIF=test.tif&WTL=a,b",
            "FIF=grey16.tif&ROT=45&PTL=0,0", "FIF=test.tif&CVT=webp&WID=0&HEI=0"};
        for (String q : queries) {
            Http.Reply r = Http.get(iip + q);
            assertTrue(r.status() == 200 || r.status() == 404, q + ": " + r.status());
            assertFalse(r.text().contains("Exception"), q);
        }
        assertEquals("image/tiff", get("FIF=test.tif&QLT=foo:bar&CVT=tiff").contentType());
        assertEquals(1, intTag(tiffTags(get("FIF=test.tif&QLT=foo:bar&CVT=tiff").body()), 259));
        assertEquals(404, Http.get(iip + "FIF=test.tif&WTL=2,99").status());
        assertTrue(Http.get(iip + "PTL=0,0").text().endsWith("Error/4:1 3 \r\n"));
        // Beyond WebP's 16383 pixels (only reachable with a raised MAX_CVT): refused before rendering.
        Http.Reply iiif = Http.get(strict.baseUrl() + "/iiif/test.tif/full/%5E17000,/0/default.webp");
        assertEquals(400, iiif.status());
        assertEquals("IIIF: webp output is at most 16383 pixels wide and high", iiif.text());
        Http.Reply cvt = Http.get(strict.iipUrl() + "?FIF=test.tif&WID=17000&CVT=webp");
        assertEquals(400, cvt.status());
        assertEquals("webp output larger than 16383 pixels", cvt.text());
    }
}
