package io.github.iipservlet.encode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.iipservlet.config.ServerConfig;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.testsupport.Chunks;
import io.github.iipservlet.testsupport.Jpegs;
import io.github.iipservlet.testsupport.TestCodecs;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;

/**
 * The encoders' edge cases that the HTTP tests do not reach: ICC profiles larger than one JPEG
 * segment, alpha and 16-bit RGB(A) in PNG and TIFF, ICC in a WebP that already has the extended
 * header, and QLT's per-encoder clamping (docs/protocols.md 3.7).
 */
class EncodersTest {
    private static final Random RANDOM = new Random(42);

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static short[] shorts(int n) {
        short[] s = new short[n];
        for (int i = 0; i < n; i++) {
            s[i] = (short) RANDOM.nextInt(65536);
        }
        return s;
    }

    /** A profile of {@code size} bytes whose header says RGB (only the header is looked at). */
    private static byte[] fakeRgbProfile(int size) {
        byte[] p = bytes(size);
        System.arraycopy("RGB ".getBytes(), 0, p, 16, 4);
        return p;
    }

    @Test
    void jpegIccProfilesSpanNumberedSegments() throws Exception {
        byte[] icc = fakeRgbProfile(150_000);
        PixelBlock block = PixelBlock.ofBytes(16, 16, 3, bytes(16 * 16 * 3));
        byte[] jpeg = new JpegEncoder("c", TestCodecs.SHARED).encode(block, 80, new OutputMetadata(0, 0, 0, icc, Map.of()));
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        int n = 0;
        for (Jpegs.Segment s : Jpegs.segments(jpeg)) {
            if (s.marker() == 0xE2) {
                n++;
                assertEquals(n, s.payload()[12] & 0xff, "sequence number");
                assertEquals(3, s.payload()[13] & 0xff, "segment count");
                joined.write(s.payload(), 14, s.payload().length - 14);
            }
        }
        assertEquals(3, n);
        assertArrayEquals(icc, joined.toByteArray());
        // The stream still decodes (pixels only: the profile is not a real one).
        Raster r = rasterOf(jpeg, Chunks.JDK_JPEG);
        assertEquals(16, r.getWidth());
        // A grey JPEG does not get an RGB profile.
        byte[] grey = new JpegEncoder("c", TestCodecs.SHARED).encode(PixelBlock.ofBytes(16, 16, 1, bytes(256)), 80,
                new OutputMetadata(0, 0, 0, icc, Map.of()));
        assertNull(Jpegs.find(grey, 0xE2));
    }

    private static Raster rasterOf(byte[] data, String readerClass) throws Exception {
        var it = IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, true);
        while (it.hasNext()) {
            ImageReaderSpi spi = it.next();
            if (spi.getPluginClassName().equals(readerClass)) {
                ImageReader reader = spi.createReaderInstance();
                try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
                    reader.setInput(in);
                    return reader.canReadRaster() ? reader.readRaster(0, null) : reader.read(0).getRaster();
                } finally {
                    reader.dispose();
                }
            }
        }
        throw new AssertionError(readerClass + " not registered");
    }

    @Test
    void pngAndTiffKeepAlphaAndSixteenBits() throws Exception {
        int w = 37;
        int h = 23;
        for (int ch = 1; ch <= 4; ch++) {
            PixelBlock eight = PixelBlock.ofBytes(w, h, ch, bytes(w * h * ch));
            PixelBlock sixteen = new PixelBlock(w, h, ch, 16, SampleType.UNSIGNED_INT, shorts(w * h * ch));
            for (PixelBlock block : List.of(eight, sixteen)) {
                byte[] png = new PngEncoder("s").encode(block, 6, OutputMetadata.NONE);
                byte[] tiff = new TiffEncoder("s", TestCodecs.SHARED).encode(block, TiffEncoder.setting(TiffEncoder.DEFLATE, 6),
                        OutputMetadata.NONE);
                byte[] lzw = new TiffEncoder("s", TestCodecs.SHARED).encode(block, TiffEncoder.setting(TiffEncoder.LZW, 0),
                        OutputMetadata.NONE);
                assertSamples(block, rasterOf(png, Chunks.JDK_PNG), "png " + ch);
                assertSamples(block, rasterOf(tiff, Chunks.JDK_TIFF), "tiff " + ch);
                assertSamples(block, rasterOf(lzw, Chunks.JDK_TIFF), "lzw " + ch);
            }
        }
    }

    /**
     * Large PNGs go through libdeflate in one buffer (when installed): the same pixels as the
     * row-by-row Deflater, at every level, 8 and 16 bits, for images with smooth and noisy rows.
     */
    @Test
    void largePngsAreExactWhicheverCompressorWritesThem() throws Exception {
        int w = 1400;
        int h = 400;
        for (int ch : new int[] {1, 3, 4}) {
            byte[] b = bytes(w * h * ch);
            for (int i = 0; i < b.length / 2; i++) {
                b[i] = (byte) (i / (ch * 7)); // smooth half: Sub and Up filters win
            }
            PixelBlock eight = PixelBlock.ofBytes(w, h, ch, b);
            PixelBlock sixteen = new PixelBlock(w, h, ch, 16, SampleType.UNSIGNED_INT, shorts(w * h * ch));
            for (PixelBlock block : List.of(eight, sixteen)) {
                assertTrue((long) (w * ch * block.bitsPerSample / 8 + 1) * h >= PngEncoder.WHOLE_BUFFER_BYTES);
                for (int level : new int[] {0, 1, 6, 9}) {
                    byte[] png = new PngEncoder("s").encode(block, level, OutputMetadata.NONE);
                    assertSamples(block, rasterOf(png, Chunks.JDK_PNG), "png " + ch + " level " + level);
                }
            }
        }
    }

    private static void assertSamples(PixelBlock block, Raster r, String what) {
        assertEquals(block.channels, r.getNumBands(), what);
        assertEquals(block.bitsPerSample, r.getSampleModel().getSampleSize(0), what);
        for (int y = 0; y < block.height; y++) {
            for (int x = 0; x < block.width; x++) {
                for (int c = 0; c < block.channels; c++) {
                    int i = (y * block.width + x) * block.channels + c;
                    assertEquals((int) block.sample(i), r.getSample(x, y, c), what + " at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void webpWithAlphaGainsAnIccChunk() throws Exception {
        byte[] icc = ICC_Profile.getInstance(ColorSpace.CS_sRGB).getData();
        byte[] rgba = bytes(40 * 30 * 4);
        for (int i = 3; i < rgba.length; i += 4) {
            rgba[i] = (byte) (i % 7 == 0 ? 0x80 : 0xFF);
        }
        for (int q : new int[] {80, -1}) {
            byte[] webp = new WebpEncoder().encode(PixelBlock.ofBytes(40, 30, 4, rgba), q,
                    new OutputMetadata(0, 0, 0, icc, Map.of()));
            List<Chunks.Chunk> chunks = Chunks.webp(webp);
            assertEquals("VP8X", chunks.get(0).type());
            assertEquals(0x30, chunks.get(0).data()[0] & 0x30, "ICC and alpha flags");
            assertEquals("ICCP", chunks.get(1).type());
            assertArrayEquals(icc, chunks.get(1).data());
            Raster r = rasterOf(webp, Chunks.WEBP);
            assertEquals(40, r.getWidth());
            assertEquals(4, r.getNumBands());
            if (q < 0) {
                assertEquals(rgba[3] & 0xff, r.getSample(0, 0, 3));
                assertEquals(rgba[4] & 0xff, r.getSample(1, 0, 0));
            }
        }
    }

    /**
     * Every WebP encode frees what it made: no encoder-options object of webp-imageio outlives it.
     * Through that library's ImageIO writer each encode left one behind for ever, registered with
     * a Cleaner as its own cleaning action, with its native WebPConfig (see LibWebp).
     */
    @Test
    void webpEncodesLeaveNothingBehind() throws Exception {
        WebpEncoder encoder = new WebpEncoder();
        byte[] grey = bytes(32 * 24);
        for (int i = 0; i < 300; i++) {
            int q = i % 3 == 0 ? -1 : i % 101;
            byte[] webp = encoder.encode(PixelBlock.ofBytes(32, 24, 1 + i % 4, bytes(32 * 24 * (1 + i % 4))), q,
                    OutputMetadata.NONE);
            assertEquals("RIFF", new String(webp, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
        }
        // Lossless grey comes back exact, in all three channels.
        Raster r = rasterOf(encoder.encode(PixelBlock.ofBytes(32, 24, 1, grey), -1, OutputMetadata.NONE),
                Chunks.WEBP);
        for (int c = 0; c < 3; c++) {
            assertEquals(grey[5 * 32 + 7] & 0xff, r.getSample(7, 5, c));
        }
        assertEquals(0, liveInstances("com.luciad.imageio.webp.WebPEncoderOptions"),
                "webp-imageio encoder options left after 301 encodes");
    }

    /** Live instances of a class after a full collection, from the JVM's own class histogram. */
    private static long liveInstances(String className) throws Exception {
        String histogram = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        return histogram.lines().map(line -> line.trim().split("\\s+"))
                .filter(cols -> cols.length >= 4 && cols[3].equals(className))
                .mapToLong(cols -> Long.parseLong(cols[1])).sum();
    }

    @Test
    void encodersAreSafeToShareBetweenThreads() throws Exception {
        Encoders encoders = new Encoders("s", TestCodecs.SHARED, 65536, "");
        PixelBlock block = PixelBlock.ofBytes(64, 48, 3, bytes(64 * 48 * 3));
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            for (OutputFormat f : new OutputFormat[] {OutputFormat.PNG, OutputFormat.WEBP, OutputFormat.TIFF}) {
                ImageEncoder e = encoders.forFormat(f);
                int q = Encoders.defaultQuality(f, ServerConfig.defaults());
                byte[] reference = e.encode(block, q, OutputMetadata.NONE);
                List<java.util.concurrent.Future<byte[]>> results = new java.util.ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    results.add(pool.submit(() -> e.encode(block, q, OutputMetadata.NONE)));
                }
                for (var r : results) {
                    assertArrayEquals(reference, r.get(), f.name());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void qltIsClampedByEachEncoder() {
        ServerConfig config = ServerConfig.defaults();
        assertEquals(75, Encoders.quality(OutputFormat.JPEG, config, null, 2));
        assertEquals(1, Encoders.quality(OutputFormat.PNG, config, null, 2));
        assertEquals(50, Encoders.quality(OutputFormat.WEBP, config, null, 2));
        assertEquals(TiffEncoder.setting(2, 1), Encoders.quality(OutputFormat.TIFF, config, null, 2));
        assertEquals(1, Encoders.quality(OutputFormat.JPEG, config, 0, 2));
        assertEquals(100, Encoders.quality(OutputFormat.JPEG, config, 500, 2));
        assertEquals(9, Encoders.quality(OutputFormat.PNG, config, 50, 2));
        assertEquals(0, Encoders.quality(OutputFormat.PNG, config, -3, 2));
        assertEquals(-1, Encoders.quality(OutputFormat.WEBP, config, 0, 2));
        assertEquals(100, Encoders.quality(OutputFormat.WEBP, config, 101, 2));
        assertEquals(37, Encoders.quality(OutputFormat.WEBP, config, 37, 2));
        int deflate = Encoders.quality(OutputFormat.TIFF, config, 50, TiffEncoder.DEFLATE);
        assertEquals(TiffEncoder.DEFLATE, TiffEncoder.compressionOf(deflate));
        assertEquals(9, TiffEncoder.levelOf(deflate));
        assertEquals(19, TiffEncoder.levelOf(TiffEncoder.setting(TiffEncoder.ZSTD, 50)));
        assertEquals(100, TiffEncoder.levelOf(TiffEncoder.setting(TiffEncoder.JPEG, 150)));
        assertEquals(TiffEncoder.NONE, TiffEncoder.compressionOf(TiffEncoder.setting(9, 5)));
        // WebP and Zstandard are written as asked where libwebp and libzstd load, else as Deflate.
        assertEquals(WebpEncoder.isAvailable() ? TiffEncoder.WEBP : TiffEncoder.DEFLATE,
                TiffEncoder.written(TiffEncoder.WEBP));
        assertEquals(io.github.iipservlet.codec.ZstdCompress.available() ? TiffEncoder.ZSTD : TiffEncoder.DEFLATE,
                TiffEncoder.written(TiffEncoder.ZSTD));
    }
}
