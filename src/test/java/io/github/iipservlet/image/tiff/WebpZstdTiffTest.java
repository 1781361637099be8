package io.github.iipservlet.image.tiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.iipservlet.codec.WebpDecoder;
import io.github.iipservlet.codec.Zstd;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.testsupport.NativeEncoders;
import io.github.iipservlet.testsupport.TestCodecs;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TiffPatch;
import io.github.iipservlet.testsupport.TiffWriter;
import io.github.iipservlet.testsupport.TiffWriter.Compression;
import io.github.iipservlet.testsupport.TiffWriter.Photometric;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TIFF tiles compressed with Zstandard (50000) and WebP (50001), docs/protocols.md 9.2, written
 * here through the system libzstd and libwebp. Runs twice (pom): with the libraries, every sample
 * is checked; without them (jdk-codecs), such files open but their tiles are a clear
 * "Unsupported" failure.
 */
class WebpZstdTiffTest {
    @TempDir
    Path dir;

    @BeforeEach
    void encodersInstalled() {
        assumeTrue(NativeEncoders.available(), "libzstd and libwebp are needed to write the test files");
    }

    private static double pixel(int x, int y, int c) {
        // Smooth gradients with a few edges, and an alpha channel that varies but is never 0 (libwebp's
        // simple lossless encoder drops the colour of invisible pixels).
        return c == 3 ? 1 + (x * 7 + y * 3) % 255 : TestImages.rgb(x, y, c);
    }

    /** Every tile of every level, and one region across tiles, compared with the written samples. */
    private static double meanError(TiffWriter.Written w, TiffPyramidReader r, boolean exact) throws Exception {
        double sum = 0;
        long n = 0;
        for (int l = 0; l < w.levelCount(); l++) {
            Level lv = r.info().levels.get(l);
            for (int t = 0; t < lv.tileCount(); t++) {
                PixelBlock b = r.readTile(l, t);
                int col = t % lv.tilesAcross();
                int row = t / lv.tilesAcross();
                assertEquals(lv.tileWidthAt(col), b.width);
                assertEquals(lv.tileHeightAt(row), b.height);
                for (int i = 0; i < b.width * b.height * b.channels; i++) {
                    int p = i / b.channels;
                    double expected = w.sample(l, col * lv.tileWidth() + p % b.width, row * lv.tileHeight()
                            + p / b.width, i % b.channels);
                    double got = b.sample(i);
                    if (exact && expected != got) {
                        throw new AssertionError("level " + l + " tile " + t + " sample " + i + ": expected "
                                + expected + " got " + got);
                    }
                    sum += Math.abs(expected - got);
                    n++;
                }
            }
        }
        PixelBlock region = r.readRegion(0, 200, 150, 300, 260);
        for (int i = 0; i < region.width * region.height * region.channels; i += 97) {
            int p = i / region.channels;
            double expected = w.sample(0, 200 + p % region.width, 150 + p / region.width, i % region.channels);
            if (exact) {
                assertEquals(expected, region.sample(i), "region sample " + i);
            }
        }
        return sum / n;
    }

    @ParameterizedTest
    @CsvSource({"3, 8, 1", "3, 8, 2", "1, 8, 2", "1, 16, 2", "3, 16, 1", "4, 8, 2", "1, 32, 1", "1, 32, 3"})
    void zstdTilesWithEachPredictor(int channels, int bits, int predictor) throws Exception {
        boolean floats = bits == 32;
        TiffWriter.Builder b = TiffWriter.builder().size(700, 500).channels(channels).bits(bits)
                .compression(Compression.ZSTD).predictor(predictor).levels(3)
                .photometric(channels == 1 ? Photometric.MINISBLACK : Photometric.RGB);
        if (floats) {
            b.sampleType(SampleType.FLOAT).pixels(TestImages::elevation);
        } else if (bits == 16) {
            b.pixels((x, y, c) -> (x * 131 + y * 67 + c * 5000) % 65536);
        } else {
            b.pixels(WebpZstdTiffTest::pixel);
        }
        TiffWriter.Written w = b.write(dir.resolve("zstd.tif"));
        try (TiffPyramidReader r = TiffPyramidReader.open(dir.resolve("zstd.tif"), TestCodecs.SHARED)) {
            assertEquals(channels, r.info().channels);
            if (!Zstd.available()) {
                ImageException e = assertThrows(ImageException.class, () -> r.readTile(0, 0));
                assertEquals(ImageException.Kind.UNSUPPORTED, e.kind());
                assertTrue(e.getMessage().contains("Zstd"), e.getMessage());
                return;
            }
            assertEquals(0, meanError(w, r, true));
        }
    }

    @ParameterizedTest
    @CsvSource({"3, -1", "4, -1", "3, 80", "4, 90"})
    void webpTilesLosslessAndLossy(int channels, int quality) throws Exception {
        TiffWriter.Written w = TiffWriter.builder().size(700, 500).channels(channels).compression(Compression.WEBP)
                .webpQuality(quality).levels(3).photometric(Photometric.RGB).pixels(WebpZstdTiffTest::pixel)
                .write(dir.resolve("webp.tif"));
        try (TiffPyramidReader r = TiffPyramidReader.open(dir.resolve("webp.tif"), TestCodecs.SHARED)) {
            assertEquals(channels, r.info().channels);
            if (!WebpDecoder.available()) {
                ImageException e = assertThrows(ImageException.class, () -> r.readTile(0, 0));
                assertEquals(ImageException.Kind.UNSUPPORTED, e.kind());
                assertTrue(e.getMessage().contains("WebP"), e.getMessage());
                return;
            }
            double mean = meanError(w, r, quality < 0);
            // Lossy: close to the source (the exact decode is compared with vips' in the conformance profile).
            assertTrue(mean < 3, "mean error " + mean);
        }
    }

    @Test
    void webpNeedsEightBitColour() throws Exception {
        TiffWriter.builder().size(300, 300).channels(3).compression(Compression.WEBP).write(dir.resolve("w.tif"));
        // Patched to one channel: libtiff's WebP codec takes 3 or 4 only.
        TiffPatch.of(dir.resolve("w.tif")).set(0, 277, 0, 1).set(0, 262, 0, 1).set(0, 258, 0, 8)
                .write(dir.resolve("grey.tif"));
        ImageException e = assertThrows(ImageException.class,
                () -> TiffPyramidReader.open(dir.resolve("grey.tif"), TestCodecs.SHARED));
        assertEquals(ImageException.Kind.UNSUPPORTED, e.kind());
    }

    @Test
    void damagedTilesAreCorruptNotCrashes() throws Exception {
        assumeTrue(Zstd.available() && WebpDecoder.available());
        for (Compression c : new Compression[] {Compression.ZSTD, Compression.WEBP}) {
            Path f = dir.resolve(c + ".tif");
            TiffWriter.builder().size(256, 256).compression(c).photometric(Photometric.RGB).write(f);
            TiffPatch patch = TiffPatch.of(f);
            int at = patch.tileOffset(0, 0);
            for (int i = at; i < at + 4; i++) { // the Zstd magic number, the RIFF header
                patch.setByte(i, patch.bytesAt(i, 1)[0] ^ 0x5a);
            }
            Path damaged = dir.resolve(c + "-damaged.tif");
            patch.write(damaged);
            try (TiffPyramidReader r = TiffPyramidReader.open(damaged, TestCodecs.SHARED)) {
                ImageException e = assertThrows(ImageException.class, () -> r.readTile(0, 0), c.toString());
                assertEquals(ImageException.Kind.CORRUPT, e.kind(), e.getMessage());
            }
        }
    }
}
