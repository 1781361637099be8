package io.github.iipservlet.codec;

import java.util.Arrays;
import jnr.ffi.types.size_t;

/**
 * Zstandard compression with the system libzstd ({@code libzstd1}), for TIFF output compressed
 * with Zstandard (TIFF compression 50000, as libtiff writes it: each strip one zstd frame). One
 * call compresses a whole buffer; nothing native outlives it ({@code ZSTD_compress} makes and frees
 * its own context).
 */
public final class ZstdCompress {
    /** The part of libzstd's API we call. */
    public interface Lib {
        @size_t
        long ZSTD_compressBound(@size_t long srcSize);

        @size_t
        long ZSTD_compress(byte[] dst, @size_t long dstCapacity, byte[] src, @size_t long srcSize,
                int compressionLevel);

        int ZSTD_isError(@size_t long code);

        String ZSTD_versionString();
    }

    /** Set to pretend libzstd is missing. */
    public static final String DISABLE_PROPERTY = "iipservlet.nolibzstd";

    static final Lib LIB = NativeLibraries.load(Lib.class, "zstd", DISABLE_PROPERTY);

    private ZstdCompress() {
    }

    /** True when libzstd is installed (else Zstandard TIFF output is written with Deflate). */
    public static boolean available() {
        return LIB != null;
    }

    /** libzstd's version ({@code 1.5.4}), or "none". */
    public static String version() {
        return LIB == null ? "none" : LIB.ZSTD_versionString();
    }

    /**
     * {@code in[0, length)} as one zstd frame at a level (1 to 19; 0 is libzstd's default, 3).
     *
     * @throws IllegalStateException when libzstd is missing or fails
     */
    public static byte[] compress(byte[] in, int length, int level) {
        if (LIB == null) {
            throw new IllegalStateException("libzstd is not available");
        }
        long bound = LIB.ZSTD_compressBound(length);
        if (bound <= 0 || bound > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("too large for one zstd frame: " + length + " bytes");
        }
        byte[] out = new byte[(int) bound];
        long n = LIB.ZSTD_compress(out, out.length, in, length, level);
        if (LIB.ZSTD_isError(n) != 0) {
            throw new IllegalStateException("libzstd could not compress (" + n + ")");
        }
        return Arrays.copyOf(out, (int) n);
    }
}
