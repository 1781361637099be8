package io.github.iipservlet.image.tiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.testsupport.TestCodecs;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bit depths iipsrv's line since 1.3 reads (docs/protocols.md 9.2): 2, 4 and 6 bits scaled to
 * 8, 10, 12 and 14 bits widened to 16 by bit replication, MinIsWhite inverted; samples that straddle
 * bytes, rows padded to a byte, both byte orders.
 */
class OddBitDepthsTest {

    @Test
    void everySampleOfEveryDepth(@TempDir Path dir) throws Exception {
        for (int bits : new int[] {2, 4, 6, 10, 12, 14}) {
            for (boolean minIsWhite : new boolean[] {false, true}) {
                for (boolean bigEndian : new boolean[] {false, true}) {
                    int max = (1 << bits) - 1;
                    Path f = dir.resolve("b" + bits + minIsWhite + bigEndian + ".tif");
                    TiffWriter.Builder b = TiffWriter.builder().size(301, 203).tile(128, 64).channels(1).bits(bits)
                            .levels(1).compression(TiffWriter.Compression.DEFLATE)
                            .pixels((x, y, c) -> (x * 7 + y * 3) % (max + 1));
                    if (minIsWhite) {
                        b.photometric(TiffWriter.Photometric.MINISWHITE);
                    }
                    if (bigEndian) {
                        b.byteOrder(java.nio.ByteOrder.BIG_ENDIAN);
                    }
                    b.write(f);
                    try (TiffPyramidReader r = TiffPyramidReader.open(f, TestCodecs.SHARED)) {
                        // The last tile of a row and of the image: cropped, padding skipped.
                        for (int tile : new int[] {0, 2, 3 * 4 - 1}) {
                            PixelBlock t = r.readTile(0, tile);
                            int x0 = tile % 3 * 128;
                            int y0 = tile / 3 * 64;
                            for (int y = 0; y < t.height; y++) {
                                for (int x = 0; x < t.width; x++) {
                                    int v = ((x0 + x) * 7 + (y0 + y) * 3) % (max + 1);
                                    if (minIsWhite) {
                                        v = max - v;
                                    }
                                    int expected = bits < 8 ? v * 255 / max : v << (16 - bits) | v >>> (2 * bits - 16);
                                    int got = bits < 8 ? ((byte[]) t.data)[y * t.width + x] & 0xff
                                            : ((short[]) t.data)[y * t.width + x] & 0xffff;
                                    assertEquals(expected, got, bits + " bits, minIsWhite " + minIsWhite + ", big-endian "
                                            + bigEndian + ", tile " + tile + " at " + x + "," + y);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
