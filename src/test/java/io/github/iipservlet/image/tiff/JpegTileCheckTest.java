package io.github.iipservlet.image.tiff;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.TiffPatch;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JPEG tile is taken only when its headers describe a stream a decoder can take as the tile. */
class JpegTileCheckTest {

    @Test
    void realTilesPassAndDamagedHeadersDoNot(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("j.tif");
        TiffWriter.builder().size(512, 512).compression(TiffWriter.Compression.JPEG)
                .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(f);
        TiffPatch tiff = TiffPatch.of(f);
        byte[] tables = tables(tiff);
        byte[] tile = tiff.tile(0, 0);
        assertTrue(JpegTileCheck.decodable(tables, tile, 256, 256, 3));
        assertFalse(JpegTileCheck.decodable(tables, tile, 256, 128, 3), "another size");
        assertFalse(JpegTileCheck.decodable(tables, tile, 256, 256, 1), "other channels");
        assertFalse(JpegTileCheck.decodable(new byte[] {(byte) 0xFF, (byte) 0xD8}, tile, 256, 256, 3),
                "no shared tables");
        int sof = sof(tile);
        assertFalse(JpegTileCheck.decodable(tables, with(tile, sof + 1, 0xC2), 256, 256, 3), "progressive");
        for (int factor : new int[] {0x00, 0x44, 0x50, 0x05}) {
            assertFalse(JpegTileCheck.decodable(tables, with(tile, sof + 11, factor), 256, 256, 3),
                    "sampling factors " + Integer.toHexString(factor));
        }
        assertFalse(JpegTileCheck.decodable(tables, with(tile, sof + 3, 0xFF), 256, 256, 3), "segment too long");
        assertFalse(JpegTileCheck.decodable(tables, java.util.Arrays.copyOf(tile, sof + 6), 256, 256, 3),
                "cut in its frame header");
        assertFalse(JpegTileCheck.decodable(tables, new byte[0], 256, 256, 3), "empty");
    }

    /** The JPEGTables tag as the reader prefixes tiles with it: SOI and the tables, without EOI. */
    private static byte[] tables(TiffPatch tiff) {
        byte[] t = tiff.bytesAt(tiff.valuePosition(0, 347), (int) tiff.count(0, 347));
        return java.util.Arrays.copyOf(t, t.length - 2);
    }

    private static int sof(byte[] tile) {
        for (int i = 2; i + 1 < tile.length; i++) {
            if ((tile[i] & 0xff) == 0xFF && (tile[i + 1] & 0xff) == 0xC0) {
                return i;
            }
        }
        throw new AssertionError("no SOF");
    }

    private static byte[] with(byte[] b, int at, int value) {
        byte[] c = b.clone();
        c[at] = (byte) value;
        return c;
    }
}
