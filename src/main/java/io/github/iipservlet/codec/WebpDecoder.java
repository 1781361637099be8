package io.github.iipservlet.codec;

import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.types.size_t;

/**
 * Decodes WebP images (the tiles of TIFF compression 50001, each a complete RIFF file as libtiff
 * writes it) to interleaved 8-bit RGB or RGBA, through the system libwebp (Debian libwebp7, which
 * libtiff and vips link, so where vips wrote the file the same library decodes it and lossy tiles
 * come out bit for bit as vips reads them).
 *
 * <p>Not the libwebp bundled in webp-imageio that {@code encode/WebpEncoder} uses: that one is
 * reached only through the jar's private JNI class (a layer above this package, docs/architecture.md
 * 4), and its decoder hands back packed ARGB ints through an options object registered with a
 * Cleaner, the pattern {@code encode/LibWebp} had to avoid for encoding. The system library
 * decodes straight into our native buffer with no state kept between calls. Without it, WebP
 * tiles are "unsupported" (docs/protocols.md 9.2). Thread-safe.
 */
public final class WebpDecoder {
    /** The part of libwebp's decoding API we call. */
    public interface Lib {
        /** 1 when the header is valid, with the canvas size; 0 otherwise. */
        int WebPGetInfo(Pointer data, @size_t long dataSize, IntByReference width, IntByReference height);

        /** {@code output} on success, null on failure. */
        Pointer WebPDecodeRGBInto(Pointer data, @size_t long dataSize, Pointer output, @size_t long outputSize,
                int stride);

        Pointer WebPDecodeRGBAInto(Pointer data, @size_t long dataSize, Pointer output, @size_t long outputSize,
                int stride);
    }

    static final Lib LIB = NativeLibraries.load(Lib.class, "webp", "iipservlet.nolibwebp");

    private final ResourcePool<NativeBuffer> buffers;

    WebpDecoder(ResourcePool<NativeBuffer> buffers) {
        this.buffers = buffers;
    }

    public static boolean available() {
        return LIB != null;
    }

    /**
     * Decodes a WebP image of exactly {@code width x height} into {@code out}, 3 (RGB) or 4
     * (RGBA, alpha not premultiplied) bytes per pixel, rows of {@code width * channels} bytes.
     *
     * @throws IllegalArgumentException for a damaged image, or one of another size
     */
    public void decode(byte[] webp, int width, int height, int channels, byte[] out) {
        if (channels != 3 && channels != 4 || out.length < width * height * channels) {
            throw new IllegalArgumentException("WebP decodes to 3 or 4 channels");
        }
        NativeBuffer src = buffers.take();
        NativeBuffer dst = buffers.take();
        try {
            Pointer s = src.copyIn(webp);
            IntByReference w = new IntByReference();
            IntByReference h = new IntByReference();
            if (LIB.WebPGetInfo(s, webp.length, w, h) == 0) {
                throw new IllegalArgumentException("not a WebP image");
            }
            if (w.intValue() != width || h.intValue() != height) {
                throw new IllegalArgumentException("WebP image of " + w.intValue() + "x" + h.intValue() + ", not "
                        + width + "x" + height);
            }
            int stride = width * channels;
            long size = (long) stride * height;
            Pointer d = dst.reserve(size);
            Pointer done = channels == 3 ? LIB.WebPDecodeRGBInto(s, webp.length, d, size, stride)
                    : LIB.WebPDecodeRGBAInto(s, webp.length, d, size, stride);
            if (done == null) {
                throw new IllegalArgumentException("WebP data damaged");
            }
            d.get(0, out, 0, (int) size);
        } finally {
            buffers.give(src);
            buffers.give(dst);
        }
    }
}
