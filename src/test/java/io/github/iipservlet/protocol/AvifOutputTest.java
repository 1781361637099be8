package io.github.iipservlet.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.iipservlet.codec.LibAvif;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.testsupport.Chunks;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.NativeTools;
import io.github.iipservlet.testsupport.Pixels;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AVIF output through the real webapp (docs/protocols.md 3.3, 3.6, 8.4, 8.5.4, 10): ATL tiles,
 * CVT=avif and IIIF .avif decode with libavif's own {@code avifdec} (skipped where it is not
 * installed) to the pixels of the PNG output, within a tolerance when lossy and exactly when
 * lossless; the ICC profile under MAX_ICC; grey as monochrome; alpha kept. Where libavif is missing
 * (or {@code -Diipservlet.noavif=true}, as the jdk-codecs run of the pom sets), AVIF is neither
 * advertised nor served: ATL is an unknown command, CVT=avif gives JPEG, IIIF .avif is a 501.
 */
class AvifOutputTest {
    @TempDir
    static Path tmp;
    static TestServer server;
    /** MAX_ICC equal to the profile's size, so never embedded; AVIF_QUALITY=-1; AVIF_CODEC=2 (rav1e). */
    static TestServer strict;
    static String iip;
    static final byte[] SRGB = ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData();

    @BeforeAll
    static void start() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        TiffWriter.builder().size(1000, 700).tile(256, 256).compression(TiffWriter.Compression.DEFLATE).predictor(2)
                .photometric(TiffWriter.Photometric.RGB).iccProfile(SRGB).write(images.resolve("rgb.tif"));
        TiffWriter.builder().size(300, 200).tile(256, 256).channels(4).compression(TiffWriter.Compression.DEFLATE)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("rgba.tif"));
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/"));
        strict = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "MAX_ICC", String.valueOf(SRGB.length),
                "AVIF_QUALITY", "-1", "AVIF_CODEC", "2"));
        iip = server.iipUrl() + "?";
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        strict.close();
    }

    private static boolean avif() {
        return OutputFormat.AVIF.available();
    }

    private static Http.Reply ok(String url, String... headers) throws Exception {
        Http.Reply r = Http.get(url, headers);
        assertEquals(200, r.status(), () -> url + ": " + r.text());
        return r;
    }

    private static BufferedImage avifdec(Http.Reply r) throws Exception {
        assertEquals("image/avif", r.contentType(), r::text);
        return NativeTools.avifdec(r.body());
    }

    /**
     * The PNG output of the same request from the server that embeds no profile: the JDK's PNG
     * reader converts the samples of a PNG with an iCCP chunk, avifdec's output is read without.
     */
    private static BufferedImage png(String url) throws Exception {
        return Chunks.decode(ok(url.replace(server.baseUrl(), strict.baseUrl())).body(), Chunks.JDK_PNG);
    }

    @Test
    void withoutLibavifAvifIsNeitherAdvertisedNorServed() throws Exception {
        assumeFalse(avif(), "libavif is installed: see the other tests");
        assertTrue(Boolean.getBoolean(LibAvif.DISABLE_PROPERTY) || !LibAvif.available());
        String info = ok(server.baseUrl() + "/iiif/rgb.tif/info.json").text();
        assertFalse(info.contains("avif"), info);
        assertEquals(501, Http.get(server.baseUrl() + "/iiif/rgb.tif/full/200,/0/default.avif").status());
        assertTrue(Http.get(iip + "FIF=rgb.tif&ATL=0,0").text().endsWith("Error/7:2 2 ATL\r\n"));
        Http.Reply cvt = ok(iip + "FIF=rgb.tif&WID=100&CVT=avif");
        assertEquals("image/jpeg", cvt.contentType());
    }

    @Test
    void atlTilesDecodeToThePngTilesPixels() throws Exception {
        assumeTrue(avif() && NativeTools.has("avifdec"), "libavif and avifdec");
        for (String tile : new String[] {"2,0", "2,3", "1,1", "0,0"}) {
            BufferedImage png = png(iip + "FIF=rgb.tif&PTL=" + tile);
            Http.Reply atl = ok(iip + "FIF=rgb.tif&ATL=" + tile);
            assertNull(atl.header("Content-Disposition"));
            BufferedImage avif = avifdec(atl);
            assertEquals(png.getWidth() + "x" + png.getHeight(), avif.getWidth() + "x" + avif.getHeight());
            double psnr = Pixels.psnr(png, avif);
            assertTrue(psnr > 27, tile + ": PSNR " + psnr);
            BufferedImage better = avifdec(ok(iip + "FIF=rgb.tif&QLT=90&ATL=" + tile));
            assertTrue(Pixels.psnr(png, better) > psnr, tile);
            // Lossless: the PNG's samples exactly, from QLT=-1 or AVIF_QUALITY=-1.
            assertEquals(0, Pixels.maxDifference(png, avifdec(ok(iip + "FIF=rgb.tif&QLT=-1&ATL=" + tile))), tile);
            assertEquals(0, Pixels.maxDifference(png, avifdec(ok(strict.iipUrl() + "?FIF=rgb.tif&ATL=" + tile))),
                    tile);
        }
    }

    @Test
    void cvtAndIiifWriteAvif() throws Exception {
        assumeTrue(avif() && NativeTools.has("avifdec"), "libavif and avifdec");
        Http.Reply cvt = ok(iip + "FIF=rgb.tif&WID=300&CVT=avif");
        assertEquals("inline; filename=\"rgb_300x210.avif\"", cvt.header("Content-Disposition"));
        BufferedImage png = png(iip + "FIF=rgb.tif&WID=300&CVT=png");
        assertTrue(Pixels.psnr(png, avifdec(cvt)) > 30);

        String base = server.baseUrl() + "/iiif/rgb.tif/";
        Http.Reply full = ok(base + "full/300,/0/default.avif");
        assertEquals("inline; filename=\"rgb_300x210.avif\"", full.header("Content-Disposition"));
        assertTrue(Pixels.psnr(png, avifdec(full)) > 30);
        // The tile path is the IIP tile: same view, same bytes.
        assertArrayEquals(ok(iip + "FIF=rgb.tif&ATL=2,1").body(), ok(base + "256,0,256,256/256,/0/default.avif").body());
        String info = ok(base + "info.json").text();
        assertTrue(info.contains("\"extraFormats\": [\"tif\",\"webp\",\"avif\"],"), info);
        assertTrue(ok(base + "info.json", "Accept", "application/ld+json;profile=\"http://iiif.io/api/image/2/context.json\"")
                .text().contains("\"formats\" : [\"jpg\",\"png\",\"tif\",\"webp\",\"avif\"]"));
    }

    @Test
    void iccProfileGreyAndAlpha() throws Exception {
        assumeTrue(avif() && NativeTools.has("avifdec"), "libavif and avifdec");
        String withIcc = NativeTools.avifInfo(ok(iip + "FIF=rgb.tif&ATL=0,0").body());
        assertTrue(withIcc.contains("ICC Profile    : Present (" + SRGB.length + " bytes)"), withIcc);
        assertTrue(withIcc.contains("Format         : YUV420"), withIcc);
        String strictInfo = NativeTools.avifInfo(ok(strict.iipUrl() + "?FIF=rgb.tif&ATL=0,0").body());
        assertTrue(strictInfo.contains("ICC Profile    : Absent"), strictInfo);
        assertTrue(strictInfo.contains("Format         : YUV444"), strictInfo);

        // Grey: monochrome, no RGB profile.
        Http.Reply grey = ok(server.baseUrl() + "/iiif/rgb.tif/full/200,/0/gray.avif");
        String greyInfo = NativeTools.avifInfo(grey.body());
        assertTrue(greyInfo.contains("Format         : YUV400"), greyInfo);
        assertTrue(greyInfo.contains("ICC Profile    : Absent"), greyInfo);
        BufferedImage greyPng = png(server.baseUrl() + "/iiif/rgb.tif/full/200,/0/gray.png");
        Raster g = avifdec(grey).getRaster();
        int max = 0;
        for (int y = 0; y < g.getHeight(); y++) {
            for (int x = 0; x < g.getWidth(); x++) {
                max = Math.max(max, Math.abs(g.getSample(x, y, 0) - greyPng.getRaster().getSample(x, y, 0)));
            }
        }
        assertTrue(max < 40, "grey difference " + max);

        // Alpha kept, losslessly (libavif's default for alpha).
        BufferedImage rgba = png(iip + "FIF=rgba.tif&PTL=0,0");
        BufferedImage avif = avifdec(ok(iip + "FIF=rgba.tif&ATL=0,0"));
        assertEquals(4, rgba.getRaster().getNumBands());
        assertEquals(4, avif.getRaster().getNumBands());
        for (int y = 0; y < avif.getHeight(); y++) {
            for (int x = 0; x < avif.getWidth(); x++) {
                assertEquals(rgba.getRaster().getSample(x, y, 3), avif.getRaster().getSample(x, y, 3));
            }
        }
        assertTrue(Pixels.psnr(rgba, avif) > 30);
    }

    @Test
    void avifCodecChoosesTheEncoder() throws Exception {
        assumeTrue(avif() && NativeTools.has("avifdec"), "libavif and avifdec");
        assumeTrue(LibAvif.encoderName(2) != null, "libavif with rav1e");
        // rav1e cannot encode losslessly; the strict server's AVIF_QUALITY=-1 is overridden by QLT.
        Http.Reply rav1e = ok(strict.iipUrl() + "?FIF=rgb.tif&QLT=50&ATL=2,1");
        Http.Reply aom = ok(iip + "FIF=rgb.tif&QLT=50&ATL=2,1");
        assertNotEquals(rav1e.body().length, aom.body().length);
        BufferedImage png = png(iip + "FIF=rgb.tif&PTL=2,1");
        assertTrue(Pixels.psnr(png, avifdec(rav1e)) > 30);
    }
}
