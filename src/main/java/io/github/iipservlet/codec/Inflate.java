package io.github.iipservlet.codec;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.NumberByReference;
import jnr.ffi.types.size_t;

/**
 * Decompresses zlib-wrapped deflate data (TIFF compression 8 and 32946) into a buffer of known
 * size, never more than that buffer (a "deflate bomb" fills the tile and stops). Uses the system
 * libdeflate when it is installed: a whole-buffer decoder about twice as fast as zlib, which is
 * what the JDK's {@link Inflater} wraps and what iipsrv's libtiff avoids by using libdeflate too.
 * Falls back to {@link Inflater}. Thread-safe: decompressors are pooled by the context's
 * {@link NativeCodecs}.
 */
public final class Inflate {
    /** The part of libdeflate's API we call: decompression here, compression in {@link Deflate}. */
    public interface LibDeflate {
        Pointer libdeflate_alloc_decompressor();

        void libdeflate_free_decompressor(Pointer decompressor);

        /** 0 success, 1 bad data, 2 short output, 3 insufficient space. */
        int libdeflate_zlib_decompress(Pointer decompressor, Pointer in, @size_t long inBytes, Pointer out,
                @size_t long outBytesAvailable, NumberByReference actualOutBytes);

        Pointer libdeflate_alloc_compressor(int level);

        void libdeflate_free_compressor(Pointer compressor);

        @size_t
        long libdeflate_zlib_compress_bound(Pointer compressor, @size_t long inBytes);

        /** The compressed size, or 0 when {@code out} is too small. */
        @size_t
        long libdeflate_zlib_compress(Pointer compressor, @In byte[] in, @size_t long inBytes, @Out byte[] out,
                @size_t long outBytesAvailable);
    }

    static final LibDeflate LIB = NativeLibraries.load(LibDeflate.class, "deflate", "iipservlet.nolibdeflate");

    private final ResourcePool<Decompressor> decompressors;
    private final ResourcePool<Inflater> inflaters;

    Inflate(ResourcePool<Decompressor> decompressors, ResourcePool<Inflater> inflaters) {
        this.decompressors = decompressors;
        this.inflaters = inflaters;
    }

    /** Which implementation runs, for the start-up log and tests. */
    public static String implementation() {
        return LIB != null ? "libdeflate" : "java.util.zip";
    }

    /**
     * Decompresses {@code in} into {@code out}, which must be filled completely.
     *
     * @throws DataFormatException for damaged data or too little of it
     */
    public void decompress(byte[] in, byte[] out) throws DataFormatException {
        if (LIB != null) {
            Decompressor d = decompressors.take();
            boolean healthy = false;
            try {
                Pointer output = d.output.reserve(out.length);
                inflate(d, d.input.copyIn(in), in.length, output, out.length);
                output.get(0, out, 0, out.length);
                healthy = true;
            } finally {
                release(decompressors, d, healthy);
            }
        } else {
            viaZlib(in, out);
        }
    }

    /**
     * Decompresses {@code in} into the whole of {@code dst}'s native memory with libdeflate, or
     * returns false, doing nothing, when libdeflate is not installed.
     *
     * @throws DataFormatException for damaged data or too little of it
     */
    public boolean decompress(byte[] in, NativeImage dst) throws DataFormatException {
        if (LIB == null) {
            return false;
        }
        Decompressor d = decompressors.take();
        boolean healthy = false;
        try {
            inflate(d, d.input.copyIn(in), in.length, dst.pointer(), dst.byteCount());
            healthy = true;
            return true;
        } finally {
            release(decompressors, d, healthy);
        }
    }

    /** A decompressor that saw damaged data is destroyed rather than trusted again. */
    private static <R> void release(ResourcePool<R> pool, R r, boolean healthy) {
        if (healthy) {
            pool.give(r);
        } else {
            pool.discard(r);
        }
    }

    private static void inflate(Decompressor d, Pointer in, int inBytes, Pointer out, int outBytes)
            throws DataFormatException {
        NumberByReference actual = new NumberByReference(jnr.ffi.TypeAlias.size_t);
        int result = LIB.libdeflate_zlib_decompress(d.handle, in, inBytes, out, outBytes, actual);
        // A stream longer than the tile (result 3, writers that pad) still filled the tile.
        if (result != 0 && result != 3 || result == 0 && actual.longValue() < outBytes) {
            throw new DataFormatException("deflate data damaged or short (libdeflate " + result + ")");
        }
    }

    /** A libdeflate decompressor with its native input and output memory. */
    static final class Decompressor {
        final Pointer handle;
        final NativeBuffer input;
        final NativeBuffer output;

        Decompressor(NativeBuffer.Tally allocated) {
            handle = LIB.libdeflate_alloc_decompressor();
            if (handle == null) {
                throw new OutOfMemoryError("libdeflate_alloc_decompressor");
            }
            jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getRuntime(LIB);
            input = new NativeBuffer(runtime, allocated);
            output = new NativeBuffer(runtime, allocated);
        }

        long bytes() {
            return input.capacity() + output.capacity();
        }

        void trim() {
            input.trim(NativeBuffer.POOLED_BYTES);
            output.trim(NativeBuffer.POOLED_BYTES);
        }

        void destroy() {
            LIB.libdeflate_free_decompressor(handle);
            input.free();
            output.free();
        }
    }

    private void viaZlib(byte[] in, byte[] out) throws DataFormatException {
        Inflater inf = inflaters.take();
        boolean healthy = false;
        try {
            inf.setInput(in);
            int n = 0;
            while (n < out.length) {
                int r = inf.inflate(out, n, out.length - n);
                if (r == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                n += r;
            }
            if (n < out.length) {
                throw new DataFormatException("deflate data short: " + n + " of " + out.length + " bytes");
            }
            inf.reset();
            healthy = true;
        } finally {
            release(inflaters, inf, healthy);
        }
    }
}
