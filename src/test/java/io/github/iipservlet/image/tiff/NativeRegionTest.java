package io.github.iipservlet.image.tiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.iipservlet.codec.Inflate;
import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.codec.TurboJpeg;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.parallel.Workers;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TestCodecs;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native region path gives exactly the pixels of the Java path (when the libraries are installed). */
class NativeRegionTest {
    @TempDir
    Path tmp;

    private static final int[][] RECTS = {{0, 0, 256, 256}, {256, 256, 256, 256}, {100, 37, 500, 400},
        {768, 512, 232, 188}, {3, 5, 1, 1}};

    /** On one thread, and with tile rows decoded by several. */
    private void assertSameAsJavaPath(TiffPyramidReader reader) throws Exception {
        try (Workers three = new Workers(3)) {
            for (Workers workers : new Workers[] {Workers.SERIAL, three}) {
                for (int[] r : RECTS) {
                    PixelBlock java = reader.readRegion(0, r[0], r[1], r[2], r[3]);
                    try (NativeImage n = reader.readRegionNative(0, r[0], r[1], r[2], r[3], workers)) {
                        assertNotNull(n, "native path refused " + java.channels + " channels");
                        byte[] got = new byte[n.byteCount()];
                        n.pixels().get(0, got);
                        assertArrayEquals(java.bytes(), got, "rect " + java.width + "x" + java.height + " at " + r[0]
                                + "," + r[1] + " on " + workers.threads() + " threads");
                    }
                }
            }
        }
    }

    @Test
    void deflateRgbWithPredictor() throws Exception {
        assumeTrue(TurboJpeg.available() && "libdeflate".equals(Inflate.implementation()));
        Path f = tmp.resolve("d.tif");
        TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.DEFLATE).predictor(2)
                .photometric(TiffWriter.Photometric.RGB).write(f);
        try (TiffPyramidReader reader = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertSameAsJavaPath(reader);
        }
    }

    @Test
    void deflateGrey() throws Exception {
        assumeTrue(TurboJpeg.available() && "libdeflate".equals(Inflate.implementation()));
        Path f = tmp.resolve("g.tif");
        TiffWriter.builder().size(1000, 700).channels(1).photometric(TiffWriter.Photometric.MINISBLACK)
                .compression(TiffWriter.Compression.DEFLATE).pixels(TestImages::grey).write(f);
        try (TiffPyramidReader reader = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertSameAsJavaPath(reader);
        }
    }

    @Test
    void deflateGreyWithPredictor() throws Exception {
        assumeTrue(TurboJpeg.available() && "libdeflate".equals(Inflate.implementation()));
        Path f = tmp.resolve("gp.tif");
        TiffWriter.builder().size(1000, 700).channels(1).photometric(TiffWriter.Photometric.MINISBLACK)
                .compression(TiffWriter.Compression.DEFLATE).predictor(2).pixels(TestImages::grey).write(f);
        try (TiffPyramidReader reader = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertSameAsJavaPath(reader);
        }
    }

    @Test
    void jpegTiles() throws Exception {
        assumeTrue(TurboJpeg.available());
        Path f = tmp.resolve("j.tif");
        TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(f);
        try (TiffPyramidReader reader = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertSameAsJavaPath(reader);
        }
    }

    @Test
    void otherLevelsAreLeftToTheJavaPath() throws Exception {
        Path f = tmp.resolve("lzw.tif");
        TiffWriter.builder().size(300, 200).compression(TiffWriter.Compression.LZW).write(f);
        try (TiffPyramidReader reader = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertNull(reader.readRegionNative(0, 0, 0, 10, 10, Workers.SERIAL));
        }
    }
}
