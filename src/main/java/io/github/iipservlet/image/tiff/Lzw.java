package io.github.iipservlet.image.tiff;

/** TIFF LZW decoding (MSB-first codes, 9 to 12 bits, "early change"). */
final class Lzw {
    private static final int CLEAR = 256;
    private static final int EOI = 257;
    private static final int TABLE = 4096;

    private Lzw() {
    }

    /**
     * Decodes {@code in} into {@code out}, stopping when {@code out} is full or at the end code.
     *
     * @return the number of bytes written
     * @throws IllegalStateException on a corrupt stream
     */
    static int decode(byte[] in, byte[] out) {
        if (in.length >= 2 && in[0] == 0 && (in[1] & 1) != 0) {
            throw new IllegalStateException("old-style LZW is not supported");
        }
        short[] prefix = new short[TABLE];
        byte[] suffix = new byte[TABLE];
        byte[] first = new byte[TABLE];
        short[] length = new short[TABLE];
        for (int i = 0; i < 256; i++) {
            suffix[i] = (byte) i;
            first[i] = (byte) i;
            length[i] = 1;
        }
        int ip = 0;
        int bitBuf = 0;
        int bitCnt = 0;
        int nbits = 9;
        int next = 258;
        int old = -1;
        int op = 0;
        final int outLen = out.length;
        while (op < outLen) {
            while (bitCnt < nbits) {
                if (ip >= in.length) {
                    return op;
                }
                bitBuf = (bitBuf << 8) | (in[ip++] & 0xff);
                bitCnt += 8;
            }
            bitCnt -= nbits;
            int code = (bitBuf >>> bitCnt) & ((1 << nbits) - 1);
            bitBuf &= (1 << bitCnt) - 1;
            if (code == CLEAR) {
                nbits = 9;
                next = 258;
                old = -1;
                continue;
            }
            if (code == EOI) {
                break;
            }
            if (old == -1) {
                if (code > 255) {
                    throw new IllegalStateException("corrupt LZW data");
                }
                out[op++] = (byte) code;
                old = code;
                continue;
            }
            int entry;
            if (code < next) {
                entry = code;
                if (next < TABLE) {
                    prefix[next] = (short) old;
                    suffix[next] = first[code];
                    first[next] = first[old];
                    length[next] = (short) (length[old] + 1);
                    next++;
                }
            } else if (code == next && next < TABLE) {
                prefix[next] = (short) old;
                suffix[next] = first[old];
                first[next] = first[old];
                length[next] = (short) (length[old] + 1);
                entry = next;
                next++;
            } else {
                throw new IllegalStateException("corrupt LZW data");
            }
            int len = length[entry];
            int c = entry;
            if (op + len <= outLen) {
                for (int i = op + len - 1; i >= op; i--) {
                    out[i] = suffix[c];
                    c = prefix[c];
                }
            } else {
                for (int i = op + len - 1; i >= op; i--) {
                    if (i < outLen) {
                        out[i] = suffix[c];
                    }
                    c = prefix[c];
                }
            }
            op = Math.min(op + len, outLen);
            if (next >= (1 << nbits) - 1 && nbits < 12) {
                nbits++;
            }
            old = code;
        }
        return op;
    }
}
