package io.github.iipservlet.codec;

import jnr.ffi.Pointer;
import jnr.ffi.types.size_t;

/**
 * Decompresses Zstandard frames (TIFF compression 50000, as libtiff, vips and GDAL write it: one
 * frame per tile) into a buffer of known size, through the system libzstd (Debian libzstd1, a
 * dependency of libtiff itself, so present wherever a TIFF tool is). There is no pure-Java
 * decoder in the WAR: without libzstd such tiles are "unsupported" (docs/protocols.md 9.2).
 * Input and output are copied through native buffers of the context's pool rather than passed as
 * pinned arrays ({@link NativeBuffer} says why). Thread-safe: ZSTD_decompress keeps no state.
 */
public final class Zstd {
    /** The part of libzstd's API we call. */
    public interface Lib {
        /** The decompressed size, or an error code that {@link #ZSTD_isError} recognises. */
        @size_t
        long ZSTD_decompress(Pointer dst, @size_t long dstCapacity, Pointer src, @size_t long srcSize);

        int ZSTD_isError(@size_t long code);

        String ZSTD_getErrorName(@size_t long code);
    }

    static final Lib LIB = NativeLibraries.load(Lib.class, "zstd", "iipservlet.nolibzstd");

    private final ResourcePool<NativeBuffer> buffers;

    Zstd(ResourcePool<NativeBuffer> buffers) {
        this.buffers = buffers;
    }

    public static boolean available() {
        return LIB != null;
    }

    /**
     * Decompresses {@code in} into the whole of {@code out}.
     *
     * @throws IllegalArgumentException for damaged data, or data that does not fill {@code out}
     *                                  exactly (libzstd refuses a frame larger than the buffer)
     */
    public void decompress(byte[] in, byte[] out) {
        NativeBuffer src = buffers.take();
        NativeBuffer dst = buffers.take();
        try {
            Pointer s = src.copyIn(in);
            Pointer d = dst.reserve(out.length);
            long n = LIB.ZSTD_decompress(d, out.length, s, in.length);
            if (LIB.ZSTD_isError(n) != 0) {
                throw new IllegalArgumentException("Zstd data damaged (" + LIB.ZSTD_getErrorName(n) + ")");
            }
            if (n != out.length) {
                throw new IllegalArgumentException("Zstd data short: " + n + " of " + out.length + " bytes");
            }
            d.get(0, out, 0, out.length);
        } finally {
            buffers.give(src);
            buffers.give(dst);
        }
    }
}
