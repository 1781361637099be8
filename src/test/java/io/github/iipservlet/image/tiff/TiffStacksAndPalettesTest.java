package io.github.iipservlet.image.tiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.PyramidReader;
import io.github.iipservlet.image.StackItem;
import io.github.iipservlet.testsupport.TestCodecs;
import io.github.iipservlet.testsupport.TiffWriter.Compression;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Stacks (multi-page TIFF, docs/protocols.md 9.4) and palette images read by {@link TiffPyramidReader}. */
class TiffStacksAndPalettesTest {
    @TempDir
    Path dir;

    /** Page p: red 50 + 80p, green and blue gradients, so pages and pixels are told apart exactly. */
    static double page(int p, int x, int y, int c) {
        return c == 0 ? 50 + 80 * p : c == 1 ? (x / 3) % 256 : (y / 3 + p) % 256;
    }

    private static TiffWriter.Builder pageBuilder(int p, int w, int h) {
        return TiffWriter.builder().size(w, h).tile(128, 128).channels(3).compression(Compression.DEFLATE)
                .pixels((x, y, c) -> page(p, x, y, c));
    }

    private static void assertTileIs(PyramidReader r, int level, int tile, TiffWriter.Written w, int wl)
            throws ImageException {
        Level lv = r.info().levels.get(level);
        PixelBlock b = r.readTile(level, tile);
        int x0 = tile % lv.tilesAcross() * lv.tileWidth();
        int y0 = tile / lv.tilesAcross() * lv.tileHeight();
        for (int y = 0; y < b.height; y++) {
            for (int x = 0; x < b.width; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(w.sample(wl, x0 + x, y0 + y, c), b.sample((y * b.width + x) * 3 + c),
                            "level " + level + " tile " + tile + " at " + x + "," + y + " channel " + c);
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"LITTLE_ENDIAN,false", "BIG_ENDIAN,false", "LITTLE_ENDIAN,true"})
    void subIfdStackPagesAreOwnPyramids(String order, boolean bigTiff) throws Exception {
        ByteOrder bo = order.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        TiffWriter.Builder[] pages = new TiffWriter.Builder[3];
        for (int p = 0; p < 3; p++) {
            pages[p] = pageBuilder(p, 300 - 20 * p, 200).subIfds(true).byteOrder(bo).bigTiff(bigTiff)
                    .tag("DocumentName", Integer.toString(450 + 100 * p));
        }
        pages[1].stonits(0.5);
        List<TiffWriter.Written> written = TiffWriter.writeStack(dir.resolve("stack.tif"), pages);
        try (TiffPyramidReader r = TiffPyramidReader.open(dir.resolve("stack.tif"), TestCodecs.SHARED)) {
            assertEquals(List.of(new StackItem("450", 1), new StackItem("550", 0.5), new StackItem("650", 1)),
                    r.stack());
            assertSame(r, r.page(0));
            for (int p = 0; p < 3; p++) {
                PyramidReader page = r.page(p);
                ImageInfo info = page.info();
                assertEquals(written.get(p).levelCount(), info.resolutionCount());
                assertEquals(300 - 20 * p, info.width());
                assertEquals(Integer.toString(450 + 100 * p), info.metadata.get("title"));
                for (int l = 0; l < info.resolutionCount(); l++) {
                    for (int t = 0; t < info.levels.get(l).tileCount(); t++) {
                        assertTileIs(page, l, t, written.get(p), l);
                    }
                }
            }
            assertThrows(ImageException.class, () -> r.page(3));
            assertThrows(ImageException.class, () -> r.page(-1));
        }
    }

    @Test
    void plainMultiPageTiffIsAStackOfSingleLevels() throws Exception {
        List<TiffWriter.Written> written = TiffWriter.writeStack(dir.resolve("pages.tif"),
                pageBuilder(0, 300, 200).levels(1), pageBuilder(1, 300, 200).levels(1));
        try (TiffPyramidReader r = TiffPyramidReader.open(dir.resolve("pages.tif"), TestCodecs.SHARED)) {
            assertEquals(2, r.stack().size());
            assertEquals("", r.stack().get(0).name());
            assertEquals(1, r.info().resolutionCount());
            assertEquals(1, r.page(1).info().resolutionCount());
            assertTileIs(r.page(1), 0, 3, written.get(1), 0);
            assertTileIs(r.page(0), 0, 3, written.get(0), 0);
        }
    }

    @Test
    void pyramidsAreNotStacks() throws Exception {
        // Reduced levels as further top-level IFDs (NewSubfileType 1) are one image's levels.
        pageBuilder(0, 600, 400).write(dir.resolve("pyramid.tif"));
        try (TiffPyramidReader r = TiffPyramidReader.open(dir.resolve("pyramid.tif"), TestCodecs.SHARED)) {
            assertTrue(r.stack().isEmpty());
            assertEquals(4, r.info().resolutionCount());
            assertSame(r, r.page(0));
            assertThrows(ImageException.class, () -> r.page(1));
        }
    }

    /** Entries 16-bit as TIFF stores them: index i is (i*40, 255-i*40, i*17 mod 256) in 8 bits. */
    static int[] colourMap(int bits) {
        int n = 1 << bits;
        int[] map = new int[3 * n];
        for (int i = 0; i < n; i++) {
            map[i] = (i * 40 % 256) * 257;
            map[n + i] = (255 - i * 40 % 256) * 257;
            map[2 * n + i] = (i * 17 % 256) * 257;
        }
        return map;
    }

    @ParameterizedTest
    @CsvSource({"8,DEFLATE,2", "8,NONE,1", "4,LZW,1", "2,NONE,1", "1,DEFLATE,1"})
    void palettesAreExpandedToRgb(int bits, Compression compression, int predictor) throws Exception {
        int n = 1 << bits;
        int[] map = colourMap(bits);
        TiffWriter.Written w = TiffWriter.builder().size(203, 150).tile(64, 64).bits(bits).palette(map)
                .compression(compression).predictor(predictor).levels(1)
                .pixels((x, y, c) -> (x / 5 + y / 7) % n).write(dir.resolve("palette.tif"));
        try (TiffPyramidReader r = TiffPyramidReader.open(dir.resolve("palette.tif"), TestCodecs.SHARED)) {
            ImageInfo info = r.info();
            assertEquals(3, info.channels);
            assertEquals(8, info.bitsPerSample);
            assertEquals(ColourSpace.SRGB, info.colourSpace);
            assertEquals(255, info.maxValue(2));
            Level lv = info.levels.get(0);
            for (int t = 0; t < lv.tileCount(); t++) {
                PixelBlock b = r.readTile(0, t);
                assertEquals(3, b.channels);
                int x0 = t % lv.tilesAcross() * 64;
                int y0 = t / lv.tilesAcross() * 64;
                for (int y = 0; y < b.height; y++) {
                    for (int x = 0; x < b.width; x++) {
                        int index = (int) w.sample(0, x0 + x, y0 + y, 0);
                        for (int c = 0; c < 3; c++) {
                            assertEquals(map[c * n + index] / 257, (int) b.sample((y * b.width + x) * 3 + c),
                                    "pixel " + (x0 + x) + "," + (y0 + y) + " channel " + c);
                        }
                    }
                }
            }
        }
    }
}
