package io.github.iipservlet.encode;

import io.github.iipservlet.codec.GreySamples;
import io.github.iipservlet.image.PixelBlock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * WebP (docs/protocols.md 10) through the libwebp that {@code com.github.usefulness:webp-imageio} bundles (no
 * system library), called below its ImageIO writer ({@link LibWebp} says why). WEBP_QUALITY (or
 * QLT) 0-100 is the lossy quality, -1 lossless; method 0 (fastest) as iipsrv, measured 1.7 ms per
 * 256x256 tile against 4.8 ms for libwebp's default method 4. Grey is written as RGB with the value
 * in all three (WebP has no greyscale), grey+alpha as RGBA.
 *
 * <p>libwebp's simple encoder writes the simple file format. When an ICC profile is to be embedded
 * the file is rewritten in the extended format: a VP8X header with the ICC flag, then the ICCP
 * chunk, then the image chunks unchanged (WebP container specification).
 */
public final class WebpEncoder implements ImageEncoder {
    private static final Logger LOG = LogManager.getLogger(WebpEncoder.class);
    /** WebP's largest width and height. */
    public static final int MAX_DIMENSION = 16383;

    /** libwebp's fastest method, as iipsrv. */
    private static final int METHOD = 0;

    @Override
    public OutputFormat format() {
        return OutputFormat.WEBP;
    }

    @Override
    public int maxChannels() {
        return 4;
    }

    /**
     * Whether the bundled libwebp loads and encodes here (tried once, with a 1x1 image). Without it
     * WebP is not offered, like an iipsrv built without libwebp.
     */
    public static boolean isAvailable() {
        return Probe.AVAILABLE;
    }

    private static final class Probe {
        static final boolean AVAILABLE = probe();

        private static boolean probe() {
            try {
                new WebpEncoder().encode(PixelBlock.ofBytes(1, 1, 3, new byte[3]), 50, OutputMetadata.NONE);
                return true;
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("WebP output is not available: {}", e.toString());
                return false;
            }
        }
    }

    @Override
    public byte[] encode(PixelBlock block, int quality, OutputMetadata metadata) {
        int ch = block.channels;
        if (ch < 1 || ch > 4 || !(block.data instanceof byte[] bytes)) {
            throw new IllegalArgumentException("WebP takes 1 to 4 channels of 8-bit samples");
        }
        int w = block.width;
        int h = block.height;
        if (w > MAX_DIMENSION || h > MAX_DIMENSION) {
            throw new IllegalArgumentException("WebP images are at most " + MAX_DIMENSION + " pixels wide and high");
        }
        boolean alpha = ch == 2 || ch == 4;
        int outCh = alpha ? 4 : 3;
        byte[] px = ch == outCh ? bytes : GreySamples.toRgb(bytes, w * h, ch);
        byte[] webp = LibWebp.encode(px, w, h, alpha, Math.max(-1, Math.min(100, quality)), METHOD);
        byte[] icc = IccEmbedding.forChannels(metadata, outCh);
        byte[] out = icc == null ? webp : withIccProfile(webp, icc, w, h, alpha);
        return metadata.xmp() == null && metadata.exif() == null ? out
                : withMetadata(out, metadata.exif(), metadata.xmp(), w, h, alpha);
    }

    /**
     * The same image with an ICCP chunk: a simple-format file ({@code VP8 } or {@code VP8L} right
     * after the header) gains a VP8X chunk; an extended one (the writer makes these for lossy
     * alpha) gets its ICC flag set. Returns the file unchanged if it is not a WebP RIFF.
     */
    public static byte[] withIccProfile(byte[] webp, byte[] icc, int width, int height, boolean alpha) {
        if (webp.length < 20 || !ascii(webp, 0, "RIFF") || !ascii(webp, 8, "WEBP")) {
            return webp;
        }
        int iccPadded = icc.length + (icc.length & 1);
        boolean extended = ascii(webp, 12, "VP8X");
        int vp8xLength = extended ? 0 : 18;
        byte[] out = new byte[webp.length + vp8xLength + 8 + iccPadded];
        System.arraycopy(webp, 0, out, 0, 12);
        int pos = 12;
        int rest;
        if (extended) {
            System.arraycopy(webp, 12, out, pos, 18);
            out[pos + 8] |= 0x20;
            pos += 18;
            rest = 30;
        } else {
            System.arraycopy("VP8X".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, out, pos, 4);
            le32(out, pos + 4, 10);
            out[pos + 8] = (byte) (0x20 | (alpha ? 0x10 : 0));
            le24(out, pos + 12, width - 1);
            le24(out, pos + 15, height - 1);
            pos += 18;
            rest = 12;
        }
        System.arraycopy("ICCP".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, out, pos, 4);
        le32(out, pos + 4, icc.length);
        System.arraycopy(icc, 0, out, pos + 8, icc.length);
        pos += 8 + iccPadded;
        System.arraycopy(webp, rest, out, pos, webp.length - rest);
        le32(out, 4, out.length - 8);
        return out;
    }

    /**
     * The same image with EXIF and XMP chunks at its end, in that order (the WebP container's place
     * for them), and their flags set in its VP8X header; a simple-format file gains the header first.
     */
    public static byte[] withMetadata(byte[] webp, byte[] exif, byte[] xmp, int width, int height, boolean alpha) {
        if (webp.length < 20 || !ascii(webp, 0, "RIFF") || !ascii(webp, 8, "WEBP")) {
            return webp;
        }
        byte[] base = webp;
        if (!ascii(webp, 12, "VP8X")) {
            base = new byte[webp.length + 18];
            System.arraycopy(webp, 0, base, 0, 12);
            System.arraycopy("VP8X".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, base, 12, 4);
            le32(base, 16, 10);
            base[20] = (byte) (alpha ? 0x10 : 0);
            le24(base, 24, width - 1);
            le24(base, 27, height - 1);
            System.arraycopy(webp, 12, base, 30, webp.length - 12);
        }
        byte[] out = exif == null ? base : appendChunk(base, "EXIF", exif, 0x08);
        out = xmp == null ? out : appendChunk(out, "XMP ", xmp, 0x04);
        le32(out, 4, out.length - 8);
        return out;
    }

    /** An extended file with one more chunk at its end and {@code flag} set in its VP8X header. */
    private static byte[] appendChunk(byte[] base, String type, byte[] data, int flag) {
        int padded = data.length + (data.length & 1);
        byte[] out = java.util.Arrays.copyOf(base, base.length + 8 + padded);
        out[20] |= flag;
        System.arraycopy(type.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, out, base.length, 4);
        le32(out, base.length + 4, data.length);
        System.arraycopy(data, 0, out, base.length + 8, data.length);
        return out;
    }

    private static boolean ascii(byte[] b, int off, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b[off + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static void le32(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
        b[off + 2] = (byte) (v >> 16);
        b[off + 3] = (byte) (v >> 24);
    }

    private static void le24(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
        b[off + 2] = (byte) (v >> 16);
    }
}
