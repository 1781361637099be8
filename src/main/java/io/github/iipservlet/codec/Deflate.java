package io.github.iipservlet.codec;

import java.util.Arrays;
import jnr.ffi.Pointer;

/**
 * Whole-buffer zlib compression with the system libdeflate, for large PNG outputs. zlib (the
 * JDK's {@link java.util.zip.Deflater}, and libpng's in iipsrv) took 1.3 s at level 6 and 22 s at
 * level 9 for the filtered rows of a 2048x1536 RGB image here; libdeflate took 0.3 s and 3.9 s,
 * for output of the same size (2.2 and 2.0 MB). libdeflate has no streaming interface, so callers
 * use it only for buffers that are whole anyway; tiles stay with the JDK's per-thread Deflater.
 * A compressor lives for one call and is freed by it: nothing outlives the request.
 */
public final class Deflate {
    /** libdeflate as {@link Inflate} loaded it (one binding, one log line), or null. */
    private static final Inflate.LibDeflate LIB = Inflate.LIB;

    private Deflate() {
    }

    /** True when libdeflate is installed (else callers use java.util.zip). */
    public static boolean available() {
        return LIB != null;
    }

    /**
     * {@code in[0, length)} as one zlib stream at a zlib level (1 to 9, the same scale in
     * libdeflate), or null when libdeflate is missing or cannot allocate a compressor.
     */
    public static byte[] zlib(byte[] in, int length, int level) {
        if (LIB == null) {
            return null;
        }
        Pointer c = LIB.libdeflate_alloc_compressor(Math.max(1, Math.min(9, level)));
        if (c == null) {
            return null;
        }
        try {
            long bound = LIB.libdeflate_zlib_compress_bound(c, length);
            if (bound <= 0 || bound > Integer.MAX_VALUE - 16) {
                return null;
            }
            byte[] out = new byte[(int) bound];
            long n = LIB.libdeflate_zlib_compress(c, in, length, out, out.length);
            if (n <= 0) {
                return null;
            }
            return Arrays.copyOf(out, (int) n);
        } finally {
            LIB.libdeflate_free_compressor(c);
        }
    }
}
