package io.github.iipservlet.encode;

import io.github.iipservlet.image.PixelBlock;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * WebP (spec 10) through the ImageIO writer of {@code com.github.usefulness:webp-imageio}, which
 * bundles libwebp (no system library), chosen by class name. WEBP_QUALITY (or QLT) 0-100 is the
 * lossy quality, -1 lossless; method 0 (fastest) as iipsrv, measured 1.7 ms per 256x256 tile
 * against 4.8 ms for libwebp's default method 4. Grey is written as RGB with the value in all
 * three (WebP has no greyscale), grey+alpha as RGBA.
 *
 * <p>The writer only writes the simple file format. When an ICC profile is to be embedded the
 * file is rewritten in the extended format: a VP8X header with the ICC flag, then the ICCP chunk,
 * then the image chunks unchanged (WebP container specification).
 */
public final class WebpEncoder implements ImageEncoder {
    private static final Logger LOG = LogManager.getLogger(WebpEncoder.class);
    static final String WRITER_SPI = "com.luciad.imageio.webp.WebPImageWriterSpi";
    /** WebP's largest width and height. */
    public static final int MAX_DIMENSION = 16383;

    private static final ColorModel RGB = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false,
            false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
    private static final ColorModel RGBA = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), true,
            false, Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
    private static final WriterPool WRITERS = new WriterPool(WRITER_SPI);

    @Override
    public OutputFormat format() {
        return OutputFormat.WEBP;
    }

    @Override
    public int maxChannels() {
        return 4;
    }

    /**
     * Whether the writer is registered and its native library loads here (tried once, with a 1x1
     * image). Without it WebP is not offered, like an iipsrv built without libwebp.
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
        byte[] px = ch == outCh ? bytes : expand(bytes, w * h, ch);
        WritableRaster raster = Raster.createInterleavedRaster(new DataBufferByte(px, w * h * outCh), w, h, w * outCh,
                outCh, alpha ? new int[] {0, 1, 2, 3} : new int[] {0, 1, 2}, null);
        BufferedImage image = new BufferedImage(alpha ? RGBA : RGB, raster, false, null);

        ImageWriter writer = WRITERS.take();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        int q = Math.max(-1, Math.min(100, quality));
        if (q < 0) {
            param.setCompressionType("Lossless");
        } else {
            param.setCompressionType("Lossy");
            param.setCompressionQuality(q / 100f);
        }
        if (param instanceof com.luciad.imageio.webp.WebPWriteParam webp) {
            webp.setMethod(0);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(w * h / 4 + 256);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            WRITERS.give(writer);
        }
        byte[] webp = out.toByteArray();
        byte[] icc = IccEmbedding.forChannels(metadata, outCh);
        return icc == null ? webp : withIccProfile(webp, icc, w, h, alpha);
    }

    /** Grey to RGB (value in each channel), grey+alpha to RGBA. */
    private static byte[] expand(byte[] src, int pixels, int ch) {
        int outCh = ch == 2 ? 4 : 3;
        byte[] dst = new byte[pixels * outCh];
        for (int p = 0, s = 0, d = 0; p < pixels; p++, s += ch, d += outCh) {
            byte v = src[s];
            dst[d] = v;
            dst[d + 1] = v;
            dst[d + 2] = v;
            if (outCh == 4) {
                dst[d + 3] = src[s + 1];
            }
        }
        return dst;
    }

    /**
     * The same image with an ICCP chunk: a simple-format file ({@code VP8 } or {@code VP8L} right
     * after the header) gains a VP8X chunk; an extended one (the writer makes these for lossy
     * alpha) gets its ICC flag set. Returns the file unchanged if it is not a WebP RIFF.
     */
    static byte[] withIccProfile(byte[] webp, byte[] icc, int width, int height, boolean alpha) {
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
