package io.github.iipservlet.image.tiff;

/**
 * Whether a JPEG-compressed tile is a stream a decoder can take, checked from its headers alone:
 * the marker segments before the scan (the file's JPEGTables, then the tile's own) well formed,
 * the quantisation and Huffman tables the frame and the scan use all defined, and a frame of
 * exactly the tile's size and channels with sampling factors of 1 to 4 (at most ten blocks to an
 * MCU). The entropy-coded data is not read: damage there reaches the client of a passed-through
 * tile as it reaches iipsrv's, and fails any decode with 404. Checked before a tile is sent as it is (codec pass-through: a damaged tile would reach
 * the client as an image that does not decode) and before a decoder sees it (the JDK's allocates
 * the whole frame its header claims; libjpeg-turbo failed on a sampling factor of 0).
 */
final class JpegTileCheck {
    private JpegTileCheck() {
    }

    /**
     * @param tables   SOI and the shared tables (no EOI), as the reader prefixes tiles with
     * @param tile     the tile's stream, from its own SOI
     * @param width    the tile width the frame must have
     * @param height   the tile height
     * @param channels components the frame must have (1 or 3)
     */
    static boolean decodable(byte[] tables, byte[] tile, int width, int height, int channels) {
        Stream s = new Stream(tables, tile);
        if (s.length() < 4 || s.at(0) != 0xFF || s.at(1) != 0xD8) {
            return false;
        }
        boolean[] quantisation = new boolean[4];
        boolean[][] huffman = new boolean[2][4];
        int[] frameTables = null;
        int i = 2;
        while (i + 4 <= s.length()) {
            if (s.at(i) != 0xFF) {
                return false;
            }
            int marker = s.at(i + 1);
            if (marker == 0xFF) {
                i++; // fill byte
                continue;
            }
            int length = s.at(i + 2) << 8 | s.at(i + 3);
            int body = i + 4;
            int end = i + 2 + length;
            if (length < 2 || end > s.length()) {
                return false;
            }
            if (marker == 0xDB) {
                for (int p = body; p < end;) {
                    int precision = s.at(p) >> 4;
                    int id = s.at(p) & 15;
                    if (precision > 1 || id > 3) {
                        return false;
                    }
                    quantisation[id] = true;
                    p += 1 + 64 * (precision + 1);
                    if (p > end) {
                        return false;
                    }
                }
            } else if (marker == 0xC4) {
                for (int p = body; p < end;) {
                    int tableClass = s.at(p) >> 4;
                    int id = s.at(p) & 15;
                    if (tableClass > 1 || id > 3 || p + 17 > end) {
                        return false;
                    }
                    int values = 0;
                    for (int k = 1; k <= 16; k++) {
                        values += s.at(p + k);
                    }
                    huffman[tableClass][id] = true;
                    p += 17 + values;
                    if (p > end) {
                        return false;
                    }
                }
            } else if (marker == 0xC0 || marker == 0xC1) {
                frameTables = frame(s, body, end, width, height, channels);
                if (frameTables == null) {
                    return false;
                }
            } else if (marker == 0xDA) {
                return frameTables != null && scan(s, body, end, quantisation, huffman, frameTables);
            } else if (marker >= 0xC2 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
                    || marker == 0xD8 || marker == 0xD9 || marker < 0xC0) {
                // Progressive, lossless, arithmetic, hierarchical or misplaced: TIFF tiles are
                // sequential (TIFF Technical Note 2), and libtiff writes baseline.
                return false;
            }
            i = end;
        }
        return false;
    }

    /** The quantisation table of each component of a frame that fits the tile, or null. */
    private static int[] frame(Stream s, int body, int end, int width, int height, int channels) {
        if (end - body < 6 || s.at(body) != 8) {
            return null;
        }
        int frameHeight = s.at(body + 1) << 8 | s.at(body + 2);
        int frameWidth = s.at(body + 3) << 8 | s.at(body + 4);
        int components = s.at(body + 5);
        if (frameWidth != width || frameHeight != height || components != channels
                || end - body != 6 + 3 * components) {
            return null;
        }
        int[] tables = new int[components];
        int blocks = 0;
        for (int c = 0; c < components; c++) {
            int p = body + 6 + 3 * c;
            int h = s.at(p + 1) >> 4;
            int v = s.at(p + 1) & 15;
            if (h < 1 || h > 4 || v < 1 || v > 4 || s.at(p + 2) > 3) {
                return null;
            }
            blocks += h * v;
            tables[c] = s.at(p + 2);
        }
        // ITU T.81 B.2.3: an interleaved MCU holds at most ten blocks.
        return components > 1 && blocks > 10 ? null : tables;
    }

    /** A scan header whose components use tables that are all defined. */
    private static boolean scan(Stream s, int body, int end, boolean[] quantisation, boolean[][] huffman,
            int[] frameTables) {
        for (int t : frameTables) {
            if (!quantisation[t]) {
                return false;
            }
        }
        int components = end - body > 0 ? s.at(body) : 0;
        if (components < 1 || components > frameTables.length || end - body != 4 + 2 * components) {
            return false;
        }
        for (int c = 0; c < components; c++) {
            int dc = s.at(body + 2 + 2 * c) >> 4;
            int ac = s.at(body + 2 + 2 * c) & 15;
            if (dc > 3 || ac > 3 || !huffman[0][dc] || !huffman[1][ac]) {
                return false;
            }
        }
        return true;
    }

    /** The tables followed by the tile from its byte 2 (after its SOI), without copying either. */
    private record Stream(byte[] tables, byte[] tile) {
        int length() {
            return tables.length + Math.max(0, tile.length - 2);
        }

        int at(int i) {
            return (i < tables.length ? tables[i] : tile[i - tables.length + 2]) & 0xff;
        }
    }
}
