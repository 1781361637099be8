package io.github.iipservlet.testsupport;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;

/**
 * Zstd and WebP compression through the system libzstd and libwebp, for tests that write
 * Zstd- and WebP-compressed TIFF ({@link TiffWriter}): the JDK has neither encoder. The server
 * only decodes (codec/Zstd, codec/WebpDecoder); these are the libraries libtiff itself uses.
 */
public final class NativeEncoders {
    /** libzstd's one-shot compression. */
    public interface LibZstd {
        @size_t
        long ZSTD_compress(@Out byte[] dst, @size_t long dstCapacity, @In byte[] src, @size_t long srcSize, int level);

        @size_t
        long ZSTD_compressBound(@size_t long srcSize);

        int ZSTD_isError(@size_t long code);
    }

    /** libwebp's simple encoding API. */
    public interface LibWebp {
        @size_t
        long WebPEncodeRGB(@In byte[] rgb, int width, int height, int stride, float quality, PointerByReference out);

        @size_t
        long WebPEncodeRGBA(@In byte[] rgba, int width, int height, int stride, float quality,
                PointerByReference out);

        @size_t
        long WebPEncodeLosslessRGB(@In byte[] rgb, int width, int height, int stride, PointerByReference out);

        @size_t
        long WebPEncodeLosslessRGBA(@In byte[] rgba, int width, int height, int stride, PointerByReference out);

        void WebPFree(Pointer p);
    }

    private static final LibZstd ZSTD = load(LibZstd.class, "zstd");
    private static final LibWebp WEBP = load(LibWebp.class, "webp");

    private NativeEncoders() {
    }

    private static <T> T load(Class<T> api, String name) {
        try {
            return LibraryLoader.create(api).failImmediately().load(name);
        } catch (Throwable e) {
            return null;
        }
    }

    /** True when libzstd and libwebp are both installed (tests that need them are skipped otherwise). */
    public static boolean available() {
        return ZSTD != null && WEBP != null;
    }

    public static byte[] zstd(byte[] data, int level) {
        byte[] out = new byte[(int) ZSTD.ZSTD_compressBound(data.length)];
        long n = ZSTD.ZSTD_compress(out, out.length, data, data.length, level);
        if (ZSTD.ZSTD_isError(n) != 0) {
            throw new IllegalStateException("ZSTD_compress failed");
        }
        return java.util.Arrays.copyOf(out, (int) n);
    }

    /**
     * A WebP file of interleaved 8-bit RGB or RGBA.
     *
     * @param quality 0-100, or negative for lossless
     */
    public static byte[] webp(byte[] pixels, int width, int height, int channels, int quality) {
        PointerByReference out = new PointerByReference();
        int stride = width * channels;
        long n;
        if (quality < 0) {
            n = channels == 4 ? WEBP.WebPEncodeLosslessRGBA(pixels, width, height, stride, out)
                    : WEBP.WebPEncodeLosslessRGB(pixels, width, height, stride, out);
        } else {
            n = channels == 4 ? WEBP.WebPEncodeRGBA(pixels, width, height, stride, quality, out)
                    : WEBP.WebPEncodeRGB(pixels, width, height, stride, quality, out);
        }
        if (n == 0) {
            throw new IllegalStateException("WebPEncode failed");
        }
        byte[] bytes = new byte[(int) n];
        out.getValue().get(0, bytes, 0, bytes.length);
        WEBP.WebPFree(out.getValue());
        return bytes;
    }
}
