package io.github.iipservlet.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import io.github.iipservlet.codec.ZstdCompress;
import io.github.iipservlet.encode.WebpEncoder;
import io.github.iipservlet.testsupport.Chunks;
import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.NativeTools;
import io.github.iipservlet.testsupport.Pixels;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TIFF output compressed with WebP (tag value 50001) and Zstandard (50000), as iipsrv writes them
 * through libtiff (docs/protocols.md 3.7, 10, 12): chosen by {@code QLT=webp:q}, {@code QLT=zstd:q}
 * or TIFF_COMPRESSION 4 and 5, decoded by vips (skipped where it is not installed) to the PNG
 * output's pixels, exactly for Zstandard and within a tolerance for WebP; grey and 16-bit asked as
 * WebP are Deflate.
 */
class TiffCompressionOutputTest {
    @TempDir
    static Path tmp;
    static TestServer server;
    /** TIFF_COMPRESSION=5, TIFF_QUALITY=19. */
    static TestServer zstd;
    static String iip;

    @BeforeAll
    static void start() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        TiffWriter.builder().size(1000, 700).tile(256, 256).compression(TiffWriter.Compression.DEFLATE).predictor(2)
                .photometric(TiffWriter.Photometric.RGB).write(images.resolve("rgb.tif"));
        TiffWriter.builder().size(600, 400).tile(256, 256).channels(1).bits(16)
                .photometric(TiffWriter.Photometric.MINISBLACK).compression(TiffWriter.Compression.DEFLATE)
                .predictor(2).pixels(TestImages::grey16).write(images.resolve("grey16.tif"));
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/"));
        zstd = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "TIFF_COMPRESSION", "5",
                "TIFF_QUALITY", "19"));
        iip = server.iipUrl() + "?";
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        zstd.close();
    }

    private static byte[] get(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), () -> url + ": " + r.text());
        return r.body();
    }

    private static int compression(byte[] tiff) throws Exception {
        try (ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(tiff))) {
            Directory d = new TIFFReader().read(in);
            return ((Number) d.getEntryById(259).getValue()).intValue();
        }
    }

    @Test
    void webpAndZstdDecodeWithVipsToThePngPixels() throws Exception {
        assumeTrue(NativeTools.has("vips"), "vips");
        assumeTrue(ZstdCompress.available() && WebpEncoder.isAvailable(), "libzstd and libwebp");
        BufferedImage png = Chunks.decode(get(iip + "FIF=rgb.tif&WID=300&CVT=png"), Chunks.JDK_PNG);
        for (String q : new String[] {"zstd:0", "zstd:3", "zstd:19", "ZSTD:25"}) {
            byte[] tiff = get(iip + "FIF=rgb.tif&QLT=" + q + "&WID=300&CVT=tiff");
            assertEquals(50000, compression(tiff), q);
            assertEquals(0, Pixels.maxDifference(png, NativeTools.vips(tiff, "tif")), q);
        }
        byte[] low = get(iip + "FIF=rgb.tif&QLT=webp:50&WID=300&CVT=tiff");
        byte[] high = get(iip + "FIF=rgb.tif&QLT=webp:95&WID=300&CVT=tiff");
        assertEquals(50001, compression(low));
        double lowPsnr = Pixels.psnr(png, NativeTools.vips(low, "tif"));
        double highPsnr = Pixels.psnr(png, NativeTools.vips(high, "tif"));
        assertTrue(lowPsnr > 27 && highPsnr > lowPsnr, lowPsnr + " " + highPsnr);
        assertTrue(high.length > low.length);
        // Tiles too (TTL), and TIFF_COMPRESSION=5 with TIFF_QUALITY=19 as the default.
        byte[] tile = get(iip + "FIF=rgb.tif&QLT=webp:80&TTL=2,1");
        assertEquals(50001, compression(tile));
        byte[] configured = get(zstd.iipUrl() + "?FIF=rgb.tif&WID=300&CVT=tiff");
        assertEquals(50000, compression(configured));
        assertEquals(0, Pixels.maxDifference(png, NativeTools.vips(configured, "tif")));
    }

    @Test
    void greyAndSixteenBitAreZstdOrDeflateNeverWebp() throws Exception {
        assumeTrue(ZstdCompress.available(), "libzstd");
        // WebP holds 8-bit colour only: grey and 16-bit become Deflate.
        assertEquals(8, compression(get(iip + "FIF=rgb.tif&COL=gray&QLT=webp:50&WID=300&CVT=tiff")));
        assertEquals(8, compression(get(iip + "FIF=grey16.tif&QLT=webp:50&WID=300&CVT=tiff")));
        byte[] deep = get(iip + "FIF=grey16.tif&QLT=zstd:5&WID=300&CVT=tiff");
        assertEquals(50000, compression(deep));
        if (NativeTools.has("vips")) {
            // vips reads it as 16-bit grey; compare with the 16-bit PNG through vips too.
            BufferedImage viaVips = NativeTools.vips(deep, "tif");
            BufferedImage png = NativeTools.vips(get(iip + "FIF=grey16.tif&WID=300&CVT=png"), "png");
            assertEquals(0, Pixels.maxDifference(png, viaVips));
        }
    }
}
