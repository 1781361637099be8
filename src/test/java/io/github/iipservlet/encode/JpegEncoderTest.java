package io.github.iipservlet.encode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.testsupport.TestCodecs;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class JpegEncoderTest {

    static PixelBlock smoothRgb(int w, int h) {
        byte[] b = new byte[w * h * 3];
        for (int y = 0, i = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                b[i++] = (byte) (x * 255 / (w - 1));
                b[i++] = (byte) (y * 255 / (h - 1));
                b[i++] = (byte) (128 + 100 * Math.sin((x + y) / 40.0));
            }
        }
        return PixelBlock.ofBytes(w, h, 3, b);
    }

    static double psnr(PixelBlock in, BufferedImage out) {
        byte[] d = in.bytes();
        double se = 0;
        int ch = in.channels;
        for (int y = 0; y < in.height; y++) {
            for (int x = 0; x < in.width; x++) {
                int rgb = out.getRGB(x, y);
                int i = (y * in.width + x) * ch;
                if (ch == 3) {
                    int[] o = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
                    for (int k = 0; k < 3; k++) {
                        double e = (d[i + k] & 0xff) - o[k];
                        se += e * e;
                    }
                } else {
                    double e = (d[i] & 0xff) - out.getRaster().getSample(x, y, 0);
                    se += e * e;
                }
            }
        }
        double mse = se / ((double) in.width * in.height * ch);
        return 10 * Math.log10(255.0 * 255.0 / mse);
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    /** Number of components in the SOF0 frame header. */
    static int sofComponents(byte[] jpeg) {
        int pos = 2;
        while (pos + 4 < jpeg.length) {
            int marker = u16(jpeg, pos);
            if (marker == 0xFFC0 || marker == 0xFFC1 || marker == 0xFFC2) {
                assertEquals(0xFFC0, marker, "baseline");
                return jpeg[pos + 9] & 0xff;
            }
            pos += 2 + u16(jpeg, pos + 2);
        }
        throw new AssertionError("no SOF");
    }

    @Test
    void rgbRoundTripAndMarkers() throws Exception {
        PixelBlock in = smoothRgb(256, 200);
        byte[] jpeg = new JpegEncoder("iipsrv/1.3", TestCodecs.SHARED).encode(in, 90, 300.4, 299.6, 1);
        assertEquals(0xFFD8, u16(jpeg, 0));
        assertEquals(0xFFE0, u16(jpeg, 2));
        assertEquals("JFIF\0", new String(jpeg, 6, 5, StandardCharsets.ISO_8859_1));
        assertEquals(1, jpeg[13]); // units: inch
        assertEquals(300, u16(jpeg, 14));
        assertEquals(300, u16(jpeg, 16));
        int com = 4 + u16(jpeg, 4);
        assertEquals(0xFFFE, u16(jpeg, com));
        assertEquals(2 + 10, u16(jpeg, com + 2));
        assertEquals("iipsrv/1.3", new String(jpeg, com + 4, 10, StandardCharsets.ISO_8859_1));
        assertEquals(0xFFD9, u16(jpeg, jpeg.length - 2));
        assertEquals(3, sofComponents(jpeg));

        BufferedImage out = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertEquals(256, out.getWidth());
        assertEquals(200, out.getHeight());
        double p = psnr(in, out);
        assertTrue(p > 35, "PSNR " + p);
    }

    @Test
    void greyscaleHasOneComponent() throws Exception {
        byte[] g = new byte[64 * 48];
        for (int i = 0; i < g.length; i++) {
            g[i] = (byte) ((i % 64) * 4);
        }
        PixelBlock in = PixelBlock.ofBytes(64, 48, 1, g);
        byte[] jpeg = new JpegEncoder("x", TestCodecs.SHARED).encode(in, 90, 28.35, 28.35, 2);
        assertEquals(1, sofComponents(jpeg));
        assertEquals(2, jpeg[13]);
        assertEquals(28, u16(jpeg, 14));
        BufferedImage out = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertEquals(1, out.getRaster().getNumBands());
        assertTrue(psnr(in, out) > 35);
    }

    @Test
    void unknownResolutionAndNoComment() {
        byte[] jpeg = new JpegEncoder(null, TestCodecs.SHARED).encode(smoothRgb(16, 16), 0, 0, 0, 1);
        assertEquals(0, jpeg[13]);
        assertEquals(1, u16(jpeg, 14));
        assertEquals(1, u16(jpeg, 16));
        int next = 4 + u16(jpeg, 4);
        assertTrue(u16(jpeg, next) != 0xFFFE);
    }

    @Test
    void qualityChangesSize() {
        JpegEncoder enc = new JpegEncoder("c", TestCodecs.SHARED);
        PixelBlock in = smoothRgb(128, 128);
        assertTrue(enc.encode(in, 95, 0, 0, 0).length > enc.encode(in, 20, 0, 0, 0).length);
        assertEquals(enc.encode(in, -5, 0, 0, 0).length, enc.encode(in, 1, 0, 0, 0).length);
    }

    @Test
    void rejectsOtherChannelCounts() {
        PixelBlock two = PixelBlock.ofBytes(2, 2, 2, new byte[8]);
        assertThrows(IllegalArgumentException.class, () -> new JpegEncoder("c", TestCodecs.SHARED).encode(two, 75, 0, 0, 0));
    }

    @Test
    void concurrentUse() throws Exception {
        JpegEncoder enc = new JpegEncoder("c", TestCodecs.SHARED);
        PixelBlock in = smoothRgb(96, 64);
        byte[] reference = enc.encode(in, 75, 72, 72, 1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                results.add(pool.submit(() -> enc.encode(in, 75, 72, 72, 1)));
            }
            for (Future<byte[]> f : results) {
                assertTrue(java.util.Arrays.equals(reference, f.get()));
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void describesItself() {
        JpegEncoder enc = new JpegEncoder("c", TestCodecs.SHARED);
        assertEquals("image/jpeg", enc.format().mimeType);
        assertEquals("jpg", enc.format().suffix);
        assertEquals(3, enc.maxChannels());
    }
}
