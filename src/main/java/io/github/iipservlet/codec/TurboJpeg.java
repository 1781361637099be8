package io.github.iipservlet.codec;

import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.NumberByReference;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;

/**
 * JPEG decoding and encoding through the system libturbojpeg (libjpeg-turbo's SIMD codec, the
 * library iipsrv itself links), when it is installed. The JDK's codec is IJG libjpeg without SIMD:
 * measured here, a 256x256 tile decodes in 0.45 ms with the JDK and 0.31 ms with libjpeg-turbo,
 * and a 256x256 tile encodes in 0.31 ms against 0.13 ms. Callers fall back to ImageIO when
 * {@link #available()} is false. Thread-safe: handles and their native buffers are pooled by the
 * context's {@link NativeCodecs}.
 */
public final class TurboJpeg {
    /** The part of the TurboJPEG 2 API we call ({@code unsigned long} is {@code size_t} on LP64). */
    public interface Lib {
        Pointer tjInitDecompress();

        Pointer tjInitCompress();

        int tjDestroy(Pointer handle);

        int tjDecompressHeader3(Pointer handle, Pointer jpeg, @size_t long jpegSize, IntByReference width,
                IntByReference height, IntByReference subsampling, IntByReference colourspace);

        int tjDecompress2(Pointer handle, Pointer jpeg, @size_t long jpegSize, Pointer dst, int width, int pitch,
                int height, int pixelFormat, int flags);

        int tjCompress2(Pointer handle, Pointer src, int width, int pitch, int height, int pixelFormat,
                PointerByReference jpegBuf, NumberByReference jpegSize, int subsampling, int quality, int flags);

        @size_t
        long tjBufSize(int width, int height, int subsampling);

        String tjGetErrorStr2(Pointer handle);
    }

    private static final int TJPF_RGB = 0;
    private static final int TJPF_GRAY = 6;
    private static final int TJSAMP_420 = 2;
    private static final int TJSAMP_GRAY = 3;
    private static final int TJCS_GRAY = 2;
    private static final int TJCS_CMYK = 3;
    private static final int TJCS_YCCK = 4;
    private static final int TJFLAG_NOREALLOC = 1024;
    /** iipsrv asks libjpeg for its fastest DCT when encoding. */
    private static final int TJFLAG_FASTDCT = 2048;

    static final Lib LIB = NativeLibraries.load(Lib.class, "turbojpeg", "iipservlet.noturbojpeg");

    /** A decoded image: interleaved 8-bit samples, 1 (grey) or 3 (RGB) channels. */
    public record Decoded(int width, int height, int channels, byte[] pixels) {
    }

    private final ResourcePool<Context> decoders;
    private final ResourcePool<Context> encoders;

    /** The codec of one context: its handles come from, and go back to, these pools. */
    TurboJpeg(ResourcePool<Context> decoders, ResourcePool<Context> encoders) {
        this.decoders = decoders;
        this.encoders = encoders;
    }

    public static boolean available() {
        return LIB != null;
    }

    /**
     * Decodes a complete JPEG stream of at most {@code maxWidth x maxHeight}, or returns null when
     * libturbojpeg is missing or the stream is of a kind left to ImageIO (CMYK/YCCK).
     *
     * @throws IllegalArgumentException for a damaged stream, or one larger than the bound
     */
    public Decoded decode(byte[] jpeg, int maxWidth, int maxHeight) {
        return LIB == null ? null : decode(jpeg, null, maxWidth, maxHeight, 0);
    }

    /**
     * Decodes a JPEG stream of exactly {@code width x height x channels} into {@code dst} (row
     * stride {@code width * channels}), so callers can reuse one buffer for many tiles. Returns false,
     * decoding nothing, when libturbojpeg is missing or the stream has another size or colour layout.
     *
     * @throws IllegalArgumentException for a damaged stream
     */
    public boolean decodeInto(byte[] jpeg, byte[] dst, int width, int height, int channels) {
        return LIB != null && dst.length >= width * height * channels
                && decode(jpeg, dst, width, height, channels) != null;
    }

    /**
     * Decodes a whole JPEG file scaled by 1/{@code denominator} (1, 2, 4 or 8) in the DCT, as
     * libjpeg-turbo scales: each side rounded up. Returns null when libturbojpeg is missing or the
     * file is CMYK/YCCK. Used for plain JPEG files (docs/protocols.md 9.6).
     *
     * @throws IllegalArgumentException for a damaged stream
     */
    public Decoded decodeScaled(byte[] jpeg, int denominator) {
        if (LIB == null) {
            return null;
        }
        return with(decoders, c -> {
            Pointer in = c.input.copyIn(jpeg);
            int[] header = header(c, in, jpeg.length);
            int colourspace = header[2];
            if (colourspace == TJCS_CMYK || colourspace == TJCS_YCCK) {
                return null;
            }
            int got = colourspace == TJCS_GRAY ? 1 : 3;
            int ow = (header[0] + denominator - 1) / denominator;
            int oh = (header[1] + denominator - 1) / denominator;
            long bytes = (long) ow * oh * got;
            if (bytes > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("JPEG of " + ow + "x" + oh + " is too large to decode whole");
            }
            Pointer out = c.output.reserve(bytes);
            decode(c, in, jpeg.length, out, ow, ow * got, oh, got == 1 ? TJPF_GRAY : TJPF_RGB);
            byte[] pixels = new byte[(int) bytes];
            out.get(0, pixels, 0, (int) bytes);
            return new Decoded(ow, oh, got, pixels);
        });
    }

    /**
     * A JPEG's width, height and libjpeg-turbo colour space, from its header.
     *
     * @throws IllegalArgumentException for a damaged header
     */
    private static int[] header(Context c, Pointer in, int length) {
        IntByReference w = new IntByReference();
        IntByReference h = new IntByReference();
        IntByReference sub = new IntByReference();
        IntByReference cs = new IntByReference();
        if (LIB.tjDecompressHeader3(c.handle, in, length, w, h, sub, cs) != 0) {
            throw new IllegalArgumentException("bad JPEG header: " + LIB.tjGetErrorStr2(c.handle));
        }
        return new int[] {w.intValue(), h.intValue(), cs.intValue()};
    }

    /**
     * Runs {@code work} with a handle of {@code pool}. A handle whose call failed is destroyed, never
     * pooled: libjpeg-turbo can leave it in an error state that fails every later decode (seen: one
     * damaged tile made every later JPEG region of every image fail until restart).
     */
    private static <T> T with(ResourcePool<Context> pool, java.util.function.Function<Context, T> work) {
        Context c = pool.take();
        boolean healthy = false;
        try {
            T result = work.apply(c);
            healthy = true;
            return result;
        } finally {
            if (healthy) {
                pool.give(c);
            } else {
                pool.discard(c);
            }
        }
    }

    /**
     * With {@code dst} null: any size up to width x height, into a new array; else only the given
     * size, into {@code dst}.
     */
    private Decoded decode(byte[] jpeg, byte[] dst, int width, int height, int channels) {
        return with(decoders, c -> {
            Pointer in = c.input.copyIn(jpeg);
            int[] header = header(c, in, jpeg.length);
            int colourspace = header[2];
            int got = colourspace == TJCS_GRAY ? 1 : 3;
            int ow = header[0];
            int oh = header[1];
            if (dst == null && (ow > width || oh > height)) {
                throw new IllegalArgumentException("JPEG of " + ow + "x" + oh + " where " + width + "x" + height
                        + " at most was expected");
            }
            if (colourspace == TJCS_CMYK || colourspace == TJCS_YCCK
                    || dst != null && (got != channels || ow != width || oh != height)) {
                return null;
            }
            long bytes = (long) ow * oh * got;
            Pointer out = c.output.reserve(bytes);
            decode(c, in, jpeg.length, out, ow, ow * got, oh, got == 1 ? TJPF_GRAY : TJPF_RGB);
            byte[] pixels = dst != null ? dst : new byte[(int) bytes];
            out.get(0, pixels, 0, (int) bytes);
            return new Decoded(ow, oh, got, pixels);
        });
    }

    /**
     * Decodes a JPEG tile given as {@code tables} (SOI and tables, without EOI) followed by
     * {@code tile} from its byte 2 (after its SOI), which must be {@code tileWidth x tileHeight} in
     * {@code dst}'s channel layout, and copies its rectangle (sx, sy, w, h) to (dx, dy) of
     * {@code dst}. A tile wholly inside is decoded in place. Returns false, copying nothing, for a
     * tile of another size or layout.
     *
     * @throws IllegalArgumentException for a damaged stream
     */
    public boolean decodeRect(byte[] tables, byte[] tile, int tileWidth, int tileHeight, int sx, int sy,
            int w, int h, NativeImage dst, int dx, int dy) {
        return with(decoders, c -> {
            int size = tables.length + tile.length - 2;
            Pointer in = c.input.copyIn(tables, tile, 2);
            int[] header = header(c, in, size);
            int colourspace = header[2];
            int ch = dst.channels;
            if (colourspace == TJCS_CMYK || colourspace == TJCS_YCCK || (colourspace == TJCS_GRAY ? 1 : 3) != ch
                    || header[0] != tileWidth || header[1] != tileHeight) {
                return false;
            }
            int format = ch == 1 ? TJPF_GRAY : TJPF_RGB;
            long dstPitch = (long) dst.width * ch;
            long dstOffset = dy * dstPitch + (long) dx * ch;
            if (sx == 0 && sy == 0 && w == tileWidth && h == tileHeight) {
                decode(c, in, size, dst.pointer().slice(dstOffset), tileWidth, (int) dstPitch, tileHeight, format);
                return true;
            }
            int srcPitch = tileWidth * ch;
            Pointer out = c.output.reserve((long) srcPitch * tileHeight);
            decode(c, in, size, out, tileWidth, srcPitch, tileHeight, format);
            dst.copyRows(c.output.view(), sy * srcPitch + sx * ch, srcPitch, w * ch, h, dx, dy);
            return true;
        });
    }

    private static void decode(Context c, Pointer in, int size, Pointer out, int width, int pitch, int height,
            int format) {
        if (LIB.tjDecompress2(c.handle, in, size, out, width, pitch, height, format, 0) != 0) {
            throw new IllegalArgumentException("bad JPEG data: " + LIB.tjGetErrorStr2(c.handle));
        }
    }

    /** Encodes a native image as {@link #encode(byte[], int, int, int, int)} does. */
    public byte[] encode(NativeImage image, int quality) {
        return with(encoders, c -> encode(c, image.pointer(), image.width, image.height, image.channels, quality));
    }

    /**
     * Encodes 8-bit interleaved grey or RGB (4:2:0) at a libjpeg quality, or returns null when
     * libturbojpeg is missing. The stream starts with a JFIF APP0 segment.
     */
    public byte[] encode(byte[] pixels, int width, int height, int channels, int quality) {
        if (LIB == null) {
            return null;
        }
        return with(encoders, c -> {
            Pointer src = c.input.reserve((long) width * height * channels);
            src.put(0, pixels, 0, width * height * channels);
            return encode(c, src, width, height, channels, quality);
        });
    }

    private static byte[] encode(Context c, Pointer src, int width, int height, int channels, int quality) {
        int subsampling = channels == 1 ? TJSAMP_GRAY : TJSAMP_420;
        long bound = LIB.tjBufSize(width, height, subsampling);
        Pointer buffer = c.output.reserve(bound);
        PointerByReference bufferRef = new PointerByReference(buffer);
        NumberByReference size = new NumberByReference(jnr.ffi.TypeAlias.size_t, bound);
        if (LIB.tjCompress2(c.handle, src, width, width * channels, height, channels == 1 ? TJPF_GRAY : TJPF_RGB,
                bufferRef, size, subsampling, quality, TJFLAG_NOREALLOC | TJFLAG_FASTDCT) != 0) {
            throw new IllegalStateException("JPEG encoding failed: " + LIB.tjGetErrorStr2(c.handle));
        }
        byte[] out = new byte[(int) size.longValue()];
        buffer.get(0, out, 0, out.length);
        return out;
    }

    /** A TurboJPEG handle with its native input and output memory. */
    static final class Context {
        final Pointer handle;
        final NativeBuffer input;
        final NativeBuffer output;

        Context(Pointer handle, NativeBuffer.Tally allocated) {
            if (handle == null) {
                throw new OutOfMemoryError("TurboJPEG handle: " + LIB.tjGetErrorStr2(null));
            }
            this.handle = handle;
            Runtime runtime = Runtime.getRuntime(LIB);
            this.input = new NativeBuffer(runtime, allocated);
            this.output = new NativeBuffer(runtime, allocated);
        }

        long bytes() {
            return input.capacity() + output.capacity();
        }

        void trim() {
            input.trim(NativeBuffer.POOLED_BYTES);
            output.trim(NativeBuffer.POOLED_BYTES);
        }

        void destroy() {
            LIB.tjDestroy(handle);
            input.free();
            output.free();
        }
    }
}
