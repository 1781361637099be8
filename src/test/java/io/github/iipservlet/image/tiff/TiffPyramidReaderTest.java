package io.github.iipservlet.image.tiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.testsupport.TestCodecs;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TiffWriter.Compression;
import io.github.iipservlet.testsupport.TiffWriter.Photometric;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TiffPyramidReaderTest {
    @TempDir
    Path dir;

    /** Every tile of every level equals the written samples (within {@code tolerance}). */
    private static void assertAllTiles(TiffWriter.Written w, TiffPyramidReader r, double tolerance) throws Exception {
        ImageInfo info = r.info();
        assertEquals(w.levelCount(), info.levels.size());
        for (int l = 0; l < w.levelCount(); l++) {
            Level lv = info.levels.get(l);
            assertEquals(w.width(l), lv.width());
            assertEquals(w.height(l), lv.height());
            double sumErr = 0;
            long n = 0;
            for (int t = 0; t < lv.tileCount(); t++) {
                PixelBlock b = r.readTile(l, t);
                int col = t % lv.tilesAcross();
                int row = t / lv.tilesAcross();
                assertEquals(lv.tileWidthAt(col), b.width);
                assertEquals(lv.tileHeightAt(row), b.height);
                for (int y = 0; y < b.height; y++) {
                    for (int x = 0; x < b.width; x++) {
                        for (int c = 0; c < b.channels; c++) {
                            double expected = w.sample(l, col * lv.tileWidth() + x, row * lv.tileHeight() + y, c);
                            double got = b.sample((y * b.width + x) * b.channels + c);
                            if (tolerance == 0) {
                                if (expected != got) {
                                    throw new AssertionError("level " + l + " tile " + t + " at " + x + "," + y + ","
                                            + c + ": expected " + expected + " got " + got);
                                }
                            } else {
                                sumErr += Math.abs(expected - got);
                                n++;
                            }
                        }
                    }
                }
            }
            if (tolerance > 0) {
                double mean = sumErr / n;
                assertTrue(mean <= tolerance, "level " + l + " mean error " + mean);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({
        "NONE, 1, false, false", "DEFLATE, 1, false, false", "DEFLATE, 2, false, false", "LZW, 1, false, false",
        "LZW, 2, false, false", "DEFLATE, 2, true, false", "NONE, 1, false, true", "LZW, 2, true, true"})
    void rgb8Lossless(Compression compression, int predictor, boolean bigTiff, boolean subIfds) throws Exception {
        Path f = dir.resolve("rgb.tif");
        TiffWriter.Written w = TiffWriter.builder().size(1000, 700).tile(256, 256).channels(3)
                .compression(compression).predictor(predictor).bigTiff(bigTiff).subIfds(subIfds).levels(0)
                .pixels(TestImages::rgb).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertEquals(3, r.info().channels);
            assertEquals(ColourSpace.SRGB, r.info().colourSpace);
            assertEquals(3, r.info().levels.size()); // 1000x700, 500x350, 250x175
            assertAllTiles(w, r, 0);
            assertNull(r.readJpegTile(0, 0));
            assertEquals(TestImages.expectedRgb(300, 10, 0), r.readTile(0, 1).sample((10 * 256 + 44) * 3));
        }
    }

    @ParameterizedTest
    @CsvSource({"DEFLATE, 2, LITTLE_ENDIAN", "DEFLATE, 2, BIG_ENDIAN", "LZW, 2, BIG_ENDIAN", "NONE, 1, BIG_ENDIAN",
        "LZW, 1, LITTLE_ENDIAN"})
    void grey16(Compression compression, int predictor, String order) throws Exception {
        Path f = dir.resolve("g16.tif");
        TiffWriter.Written w = TiffWriter.builder().size(600, 300).tile(128, 64).channels(1).bits(16)
                .compression(compression).predictor(predictor)
                .byteOrder("BIG_ENDIAN".equals(order) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN).levels(2)
                .pixels(TestImages::grey16).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            ImageInfo info = r.info();
            assertEquals(16, info.bitsPerSample);
            assertEquals(ColourSpace.GREYSCALE, info.colourSpace);
            assertEquals(65535, info.maxValue(0));
            assertTrue(r.readTile(0, 0).data instanceof short[]);
            assertAllTiles(w, r, 0);
        }
    }

    @ParameterizedTest
    @CsvSource({"DEFLATE, 3, LITTLE_ENDIAN", "DEFLATE, 3, BIG_ENDIAN", "DEFLATE, 2, BIG_ENDIAN", "NONE, 1, LITTLE_ENDIAN",
        "LZW, 3, LITTLE_ENDIAN"})
    void float32(Compression compression, int predictor, String order) throws Exception {
        Path f = dir.resolve("f.tif");
        TiffWriter.Written w = TiffWriter.builder().size(300, 200).tile(128, 128).channels(1).bits(32)
                .sampleType(SampleType.FLOAT).compression(compression).predictor(predictor)
                .byteOrder("BIG_ENDIAN".equals(order) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN)
                .pixels(TestImages::elevation).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertEquals(SampleType.FLOAT, r.info().sampleType);
            assertEquals(1.0, r.info().maxValue(0));
            assertTrue(r.readTile(0, 0).data instanceof float[]);
            assertAllTiles(w, r, 0);
        }
    }

    @Test
    void int32() throws Exception {
        Path f = dir.resolve("i.tif");
        TiffWriter.Written w = TiffWriter.builder().size(200, 100).tile(64, 64).channels(1).bits(32)
                .compression(Compression.DEFLATE).predictor(2).levels(1)
                .pixels((x, y, c) -> x * 100000.0 + y * 7).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertEquals(4294967295.0, r.info().maxValue(0));
            assertTrue(r.readTile(0, 0).data instanceof int[]);
            assertAllTiles(w, r, 0);
        }
    }

    @Test
    void cielabAndNonSquareTiles() throws Exception {
        Path f = dir.resolve("lab.tif");
        TiffWriter.Written w = TiffWriter.builder().size(700, 300).tile(256, 128).channels(3)
                .photometric(Photometric.CIELAB).compression(Compression.NONE).levels(2)
                .pixels(TestImages::rgb).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertEquals(ColourSpace.CIELAB, r.info().colourSpace);
            assertEquals(new Level(700, 300, 256, 128), r.info().levels.get(0));
            PixelBlock edge = r.readTile(0, 8); // last column, last row
            assertEquals(700 - 512, edge.width);
            assertEquals(300 - 256, edge.height);
            assertAllTiles(w, r, 0);
        }
    }

    @Test
    void oneBitAndMinIsWhite() throws Exception {
        Path f = dir.resolve("bw.tif");
        TiffWriter.builder().size(100, 50).tile(64, 64).channels(1).bits(1).photometric(Photometric.MINISWHITE)
                .pixels((x, y, c) -> (x + y) % 2).levels(1).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertEquals(ColourSpace.BINARY, r.info().colourSpace);
            PixelBlock b = r.readTile(0, 1);
            assertEquals(36, b.width);
            for (int y = 0; y < b.height; y++) {
                for (int x = 0; x < b.width; x++) {
                    int bit = (64 + x + y) % 2;
                    assertEquals(bit == 1 ? 0 : 255, b.sample(y * b.width + x), "at " + x + "," + y);
                }
            }
            assertNull(r.readJpegTile(0, 0));
        }
    }

    @ParameterizedTest
    @CsvSource({"RGB, false", "YCBCR_JPEG, false", "YCBCR_JPEG, true", "MINISBLACK, false"})
    void jpeg(Photometric photometric, boolean subIfds) throws Exception {
        Path f = dir.resolve("j.tif");
        int channels = photometric == Photometric.MINISBLACK ? 1 : 3;
        TiffWriter.Written w = TiffWriter.builder().size(1000, 700).tile(256, 256).channels(channels)
                .photometric(photometric).compression(Compression.JPEG).subIfds(subIfds).levels(0)
                .pixels(channels == 1 ? TestImages::grey : TestImages::rgb).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertEquals(channels, r.info().channels);
            assertAllTiles(w, r, photometric == Photometric.YCBCR_JPEG ? 3.0 : 1.5);
            Level lv = r.info().levels.get(0);
            for (int t = 0; t < lv.tileCount(); t++) {
                byte[] jpeg = r.readJpegTile(0, t);
                boolean edge = t % lv.tilesAcross() == lv.tilesAcross() - 1 || t / lv.tilesAcross() == lv.tilesDown() - 1;
                if (edge) {
                    assertNull(jpeg, "edge tile " + t);
                    continue;
                }
                assertNotNull(jpeg, "tile " + t);
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(jpeg));
                PixelBlock b = r.readTile(0, t);
                assertEquals(b.width, img.getWidth());
                int maxDiff = 0;
                for (int y = 0; y < b.height; y++) {
                    for (int x = 0; x < b.width; x++) {
                        int rgb = img.getRGB(x, y);
                        for (int c = 0; c < channels; c++) {
                            int v = channels == 1 ? img.getRaster().getSample(x, y, 0) : (rgb >> (16 - 8 * c)) & 0xff;
                            maxDiff = Math.max(maxDiff, Math.abs(v - (int) b.sample((y * b.width + x) * channels + c)));
                        }
                    }
                }
                assertEquals(0, maxDiff, "tile " + t + " pass-through differs");
            }
        }
    }

    @Test
    void passThroughExactForJpegWhenTilesFit() throws Exception {
        Path f = dir.resolve("fit.tif");
        TiffWriter.builder().size(512, 256).tile(256, 256).compression(Compression.JPEG)
                .photometric(Photometric.RGB).levels(1).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            assertNotNull(r.readJpegTile(0, 0));
            assertNotNull(r.readJpegTile(0, 1));
        }
    }

    @Test
    void metadata() throws Exception {
        Path f = dir.resolve("m.tif");
        byte[] icc = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        TiffWriter.builder().size(300, 200).tile(256, 256).channels(3).levels(1)
                .tag("Artist", "Jane Doe").tag("Copyright", "Copyright Test 2024").tag("Software", "")
                .tag("ImageDescription", "A test").tag("XMLPacket", "<x:xmpmeta>é</x:xmpmeta>")
                .tag("DocumentName", "Title").tag("DateTime", "2024:01:02 03:04:05")
                .resolution(28.34, 28.34, 3).stonits(1234.5678).iccProfile(icc)
                .minMax(new double[] {1, 2, 3}, new double[] {200, 210, 220}).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            ImageInfo info = r.info();
            assertEquals("tiff", info.format);
            assertEquals("Jane Doe", info.metadata.get("creator"));
            assertEquals("Copyright Test 2024", info.metadata.get("rights"));
            assertEquals("A test", info.metadata.get("description"));
            assertEquals("Title", info.metadata.get("title"));
            assertEquals("2024:01:02 03:04:05", info.metadata.get("date"));
            assertEquals("<x:xmpmeta>é</x:xmpmeta>", info.metadata.get("xmp"));
            assertEquals("1234.57", info.metadata.get("scale"));
            assertTrue(!info.metadata.containsKey("software"));
            assertArrayEquals(icc, info.iccProfile);
            assertEquals(28.34, info.dpiX, 1e-9);
            assertEquals(28.34, info.dpiY, 1e-9);
            assertEquals(2, info.resolutionUnit);
            assertArrayEquals(new double[] {1, 2, 3}, info.minValues());
            assertArrayEquals(new double[] {200, 210, 220}, info.maxValues());
            assertEquals(Files.getLastModifiedTime(f).toMillis(), info.lastModified);
        }
        Path plain = dir.resolve("p.tif");
        TiffWriter.builder().size(100, 100).tile(64, 64).channels(1).levels(1).write(plain);
        try (TiffPyramidReader r = TiffPyramidReader.open(plain, TestCodecs.SHARED)) {
            assertTrue(r.info().metadata.isEmpty());
            assertNull(r.info().iccProfile);
            assertEquals(0, r.info().dpiX);
            assertEquals(ColourSpace.GREYSCALE, r.info().colourSpace);
            assertArrayEquals(new double[] {0}, r.info().minValues());
            assertArrayEquals(new double[] {255}, r.info().maxValues());
        }
    }

    @Test
    void formatG() {
        assertEquals("1234.57", TiffLayout.formatG(1234.5678));
        assertEquals("0.5", TiffLayout.formatG(0.5));
        assertEquals("1e+06", TiffLayout.formatG(1e6));
        assertEquals("1.5e-05", TiffLayout.formatG(0.000015));
        assertEquals("100000", TiffLayout.formatG(100000));
    }

    @Test
    void errors() throws Exception {
        Path f = dir.resolve("e.tif");
        TiffWriter.builder().size(300, 200).tile(128, 128).compression(Compression.DEFLATE).levels(2).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            ImageException e = assertThrows(ImageException.class, () -> r.readTile(0, 6));
            assertEquals(ImageException.Kind.NOT_FOUND, e.kind());
            assertEquals("Asked for non-existent tile: 6", e.getMessage());
            assertEquals(ImageException.Kind.NOT_FOUND,
                    assertThrows(ImageException.class, () -> r.readTile(2, 0)).kind());
            assertEquals(ImageException.Kind.NOT_FOUND,
                    assertThrows(ImageException.class, () -> r.readTile(-1, 0)).kind());
            assertEquals(ImageException.Kind.NOT_FOUND,
                    assertThrows(ImageException.class, () -> r.readJpegTile(0, -1)).kind());
        }

        Path untiled = dir.resolve("u.tif");
        TiffWriter.builder().size(100, 80).tiled(false).write(untiled);
        ImageException e = assertThrows(ImageException.class, () -> TiffPyramidReader.open(untiled, TestCodecs.SHARED));
        assertEquals(ImageException.Kind.UNSUPPORTED, e.kind());
        assertEquals("Image is not tiled", e.getMessage());

        // Truncated: the writer puts the IFDs last, so half a file has no readable IFD.
        byte[] all = Files.readAllBytes(f);
        Path truncated = dir.resolve("t.tif");
        Files.write(truncated, java.util.Arrays.copyOf(all, all.length / 2));
        assertThrows(ImageException.class, () -> TiffPyramidReader.open(truncated, TestCodecs.SHARED));

        // Corrupt tile data: keep the structure, overwrite the tile bytes.
        byte[] bad = all.clone();
        for (int i = 16; i < 2000; i++) {
            bad[i] = (byte) 0x55;
        }
        Path corrupt = dir.resolve("c.tif");
        Files.write(corrupt, bad);
        try (TiffPyramidReader r = TiffPyramidReader.open(corrupt, TestCodecs.SHARED)) {
            assertEquals(ImageException.Kind.CORRUPT, assertThrows(ImageException.class, () -> r.readTile(0, 0)).kind());
        }

        Path empty = dir.resolve("empty.tif");
        Files.write(empty, new byte[] {'I', 'I'});
        assertThrows(ImageException.class, () -> TiffPyramidReader.open(empty, TestCodecs.SHARED));
        Path missing = dir.resolve("missing.tif");
        assertEquals(ImageException.Kind.NOT_FOUND,
                assertThrows(ImageException.class, () -> TiffPyramidReader.open(missing, TestCodecs.SHARED)).kind());
        Path png = dir.resolve("x.png");
        Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        ImageException notTiff = assertThrows(ImageException.class, () -> TiffPyramidReader.open(png, TestCodecs.SHARED));
        assertTrue(!notTiff.getMessage().contains(dir.toString()));
    }

    @Test
    void truncatedTileData() throws Exception {
        // The file shrinks after it was opened: tile reads past the end fail cleanly.
        Path f = dir.resolve("tt.tif");
        TiffWriter.builder().size(300, 200).tile(128, 128).compression(Compression.NONE).levels(1).write(f);
        try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
            try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(100);
            }
            ImageException e = assertThrows(ImageException.class, () -> r.readTile(0, 5));
            assertEquals(ImageException.Kind.CORRUPT, e.kind());
        }
    }

    @Test
    void concurrentReadsMatchSingleThreaded() throws Exception {
        Path jpeg = dir.resolve("cj.tif");
        Path deflate = dir.resolve("cd.tif");
        TiffWriter.builder().size(1200, 900).tile(128, 128).compression(Compression.JPEG).levels(0).write(jpeg);
        TiffWriter.builder().size(1200, 900).tile(128, 128).compression(Compression.DEFLATE).predictor(2).levels(0)
                .write(deflate);
        for (Path f : List.of(jpeg, deflate)) {
            try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
                List<int[]> jobs = new ArrayList<>();
                Random rnd = new Random(42);
                for (int i = 0; i < 400; i++) {
                    int l = rnd.nextInt(r.info().levels.size());
                    jobs.add(new int[] {l, rnd.nextInt(r.info().levels.get(l).tileCount())});
                }
                List<byte[]> expected = new ArrayList<>();
                for (int[] j : jobs) {
                    expected.add(r.readTile(j[0], j[1]).bytes().clone());
                }
                ExecutorService pool = Executors.newFixedThreadPool(4);
                try {
                    List<Future<byte[]>> results = new ArrayList<>();
                    for (int[] j : jobs) {
                        results.add(pool.submit(() -> r.readTile(j[0], j[1]).bytes()));
                    }
                    for (int i = 0; i < jobs.size(); i++) {
                        assertArrayEquals(expected.get(i), results.get(i).get(), "job " + i);
                    }
                } finally {
                    pool.shutdown();
                }
            }
        }
    }
}
