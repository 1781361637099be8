package io.github.iipservlet.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.Raster;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test files are what the JPEG2000 tests take them for: the codestream header says the
 * tiling, layers, levels and sample depth that were asked for, and a lossless file decodes (with
 * JJ2000's own reader) to exactly the source samples.
 */
class Jp2WriterTest {
    @TempDir
    Path dir;

    private static Raster decode(Path file) throws Exception {
        return Jp2Writer.reference(file, 0);
    }

    private static void assertExact(Jp2Writer.Written w, Raster r) {
        assertEquals(w.width() + "x" + w.height(), r.getWidth() + "x" + r.getHeight());
        assertEquals(w.channels(), r.getNumBands());
        for (int y = 0; y < w.height(); y++) {
            for (int x = 0; x < w.width(); x++) {
                for (int c = 0; c < w.channels(); c++) {
                    if (r.getSample(x, y, c) != w.sample(x, y, c)) {
                        throw new AssertionError("channel " + c + " at " + x + "," + y + ": " + r.getSample(x, y, c)
                                + " instead of " + w.sample(x, y, c));
                    }
                }
            }
        }
    }

    @Test
    void losslessRgbJp2WithCodestreamTilesDecodesExactly() throws Exception {
        Path f = dir.resolve("rgb.jp2");
        Jp2Writer.Written w = Jp2Writer.builder().size(300, 200).channels(3).levels(3).tiling(128, 128)
                .pixels(TestImages::rgb).write(f);
        assertEquals(new Jp2Writer.Header(true, 300, 200, 128, 128, 3, 8, 1, 4), Jp2Writer.header(f));
        assertExact(w, decode(f));
    }

    @Test
    void sixteenBitGreyCodestreamDecodesExactly() throws Exception {
        Path f = dir.resolve("grey16.j2k");
        Jp2Writer.Written w = Jp2Writer.builder().size(150, 90).channels(1).bits(16).levels(2)
                .codestreamOnly(true).pixels(TestImages::grey16).write(f);
        assertEquals(new Jp2Writer.Header(false, 150, 90, 150, 90, 1, 16, 1, 3), Jp2Writer.header(f));
        assertEquals(65535, w.maxValue());
        // The pattern uses the high bits: a writer that kept 8 of them would fail here.
        assertTrue(w.sample(149, 89, 0) > 255);
        assertExact(w, decode(f));
    }

    @Test
    void twelveBitPrecisionIsWrittenAsSuch() throws Exception {
        Path f = dir.resolve("grey12.jp2");
        Jp2Writer.Written w = Jp2Writer.builder().size(120, 80).channels(1).bits(12).levels(2)
                .pixels((x, y, c) -> (x * 37 + y * 11) % 4096).write(f);
        assertEquals(new Jp2Writer.Header(true, 120, 80, 120, 80, 1, 12, 1, 3), Jp2Writer.header(f));
        assertEquals(4095, w.maxValue());
        assertExact(w, decode(f));
    }

    @Test
    void layersAreWrittenAsAsked() throws Exception {
        Path lossy = dir.resolve("layers.jp2");
        Jp2Writer.Written w = Jp2Writer.builder().size(200, 150).channels(1).levels(2).rate(1.5).layers(3)
                .pixels(TestImages::grey).write(lossy);
        assertFalse(w.lossless());
        assertEquals(3, Jp2Writer.header(lossy).layers());
        Path lossless = dir.resolve("layers-lossless.jp2");
        Jp2Writer.Written exact = Jp2Writer.builder().size(200, 150).channels(1).levels(2).layers(3)
                .pixels(TestImages::grey).write(lossless);
        assertEquals(3, Jp2Writer.header(lossless).layers());
        // All layers together are still lossless.
        assertExact(exact, decode(lossless));
        // A lossy file is close to its source, not equal.
        Raster r = decode(lossy);
        double sum = 0;
        boolean differs = false;
        for (int y = 0; y < 150; y++) {
            for (int x = 0; x < 200; x++) {
                double d = r.getSample(x, y, 0) - w.sample(x, y, 0);
                sum += d * d;
                differs |= d != 0;
            }
        }
        double psnr = 10 * Math.log10(255.0 * 255 * 200 * 150 / sum);
        assertTrue(differs);
        assertTrue(psnr > 25, "PSNR " + psnr);
    }

    @Test
    void lowerResolutionsRoundUpAndShowTheSamePicture() throws Exception {
        Path f = dir.resolve("odd.jp2");
        Jp2Writer.Written w = Jp2Writer.builder().size(701, 499).channels(1).levels(3).pixels(TestImages::grey)
                .write(f);
        assertEquals(4, w.resolutions());
        assertEquals("351x250 176x125 88x63", w.width(1) + "x" + w.height(1) + " " + w.width(2) + "x" + w.height(2)
                + " " + w.width(3) + "x" + w.height(3));
        for (int k = 1; k <= 3; k++) {
            Raster r = Jp2Writer.reference(f, k);
            assertEquals(w.width(k) + "x" + w.height(k), r.getWidth() + "x" + r.getHeight());
            // The low-pass band is close to the source averaged over 2^k x 2^k blocks.
            int step = 1 << k;
            double sum = 0;
            for (int y = 0; y < r.getHeight(); y++) {
                for (int x = 0; x < r.getWidth(); x++) {
                    double mean = 0;
                    int n = 0;
                    for (int dy = 0; dy < step && y * step + dy < 499; dy++) {
                        for (int dx = 0; dx < step && x * step + dx < 701; dx++) {
                            mean += w.sample(x * step + dx, y * step + dy, 0);
                            n++;
                        }
                    }
                    double d = r.getSample(x, y, 0) - mean / n;
                    sum += d * d;
                }
            }
            double psnr = 10 * Math.log10(255.0 * 255 * r.getWidth() * r.getHeight() / sum);
            assertTrue(psnr > 25, "reduce " + k + ": PSNR " + psnr);
        }
    }
}
