package io.github.iipservlet.encode;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.codec.TurboJpeg;
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
import java.nio.charset.StandardCharsets;
import javax.imageio.IIOImage;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Baseline JPEG (4:2:0 for colour, greyscale for 1 channel) through the JDK's own ImageIO writer,
 * chosen by class name (TwelveMonkeys registers another JPEG writer; the registry order is not
 * stable). One writer per thread; a fresh {@link ImageWriteParam} per call.
 *
 * <p>The pixels are wrapped without copying (interleaved byte raster, band offsets 0,1,2, sRGB
 * {@link ComponentColorModel}). The writer emits its default JFIF APP0; the density and unit bytes
 * are then patched in the output and a COM segment holding the comment, then the ICC profile's
 * APP2 {@code ICC_PROFILE} segments, are spliced in right after APP0, so no metadata tree is built
 * per call.
 */
public final class JpegEncoder implements ImageEncoder {

    static final String JDK_WRITER = "com.sun.imageio.plugins.jpeg.JPEGImageWriter";

    private static final ColorModel RGB = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false,
            false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
    private static final ColorModel GREY = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), false,
            false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
    private static final int[] RGB_OFFSETS = {0, 1, 2};
    private static final int[] GREY_OFFSETS = {0};

    /** The JDK's own writer, for machines without libturbojpeg. */
    private static final WriterPool WRITERS = new WriterPool(JDK_WRITER);

    /** The complete COM segment (marker, length, text), or an empty array for no comment. */
    private final byte[] comSegment;
    /** libjpeg-turbo with the context's handles, or null when it is not installed. */
    private final TurboJpeg turbo;

    /** @param codecs the context's native codecs (libjpeg-turbo when installed) */
    public JpegEncoder(String comment, NativeCodecs codecs) {
        comSegment = comSegment(comment);
        turbo = codecs.turboJpeg();
    }

    /** A COM segment (marker, length, text as UTF-8, cut to fit), or an empty array for no text. */
    static byte[] comSegment(String comment) {
        if (comment == null || comment.isEmpty()) {
            return new byte[0];
        }
        byte[] text = comment.getBytes(StandardCharsets.UTF_8);
        int len = Math.min(text.length, 65533);
        byte[] segment = new byte[len + 4];
        segment[0] = (byte) 0xFF;
        segment[1] = (byte) 0xFE;
        segment[2] = (byte) ((len + 2) >> 8);
        segment[3] = (byte) (len + 2);
        System.arraycopy(text, 0, segment, 4, len);
        return segment;
    }

    @Override
    public OutputFormat format() {
        return OutputFormat.JPEG;
    }

    @Override
    public int maxChannels() {
        return 3;
    }

    @Override
    public byte[] encode(PixelBlock eightBit, int quality, OutputMetadata metadata) {
        int ch = eightBit.channels;
        if (ch != 1 && ch != 3) {
            throw new IllegalArgumentException("JPEG takes 1 or 3 channels, not " + ch);
        }
        if (!(eightBit.data instanceof byte[] bytes)) {
            throw new IllegalArgumentException("JPEG takes 8-bit samples");
        }
        int w = eightBit.width;
        int h = eightBit.height;
        int q = Math.max(1, Math.min(100, quality));
        if (turbo != null) {
            byte[] encoded = turbo.encode(bytes, w, h, ch, q);
            return finish(encoded, encoded.length, metadata, ch);
        }
        DataBufferByte db = new DataBufferByte(bytes, w * h * ch);
        WritableRaster raster = Raster.createInterleavedRaster(db, w, h, w * ch, ch, ch == 3 ? RGB_OFFSETS
                : GREY_OFFSETS, null);
        BufferedImage image = new BufferedImage(ch == 3 ? RGB : GREY, raster, false, null);

        ImageWriter writer = WRITERS.take();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(q / 100f);
        Buffer out = new Buffer(w * h * ch / 5 + 1024);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            WRITERS.give(writer);
        }
        return finish(out.array(), out.size(), metadata, ch);
    }

    /** Encodes pixels held in native memory (libjpeg-turbo present), with the same markers. */
    public byte[] encode(NativeImage image, int quality, double dpiX, double dpiY, int resolutionUnit) {
        return encode(image, quality, OutputMetadata.resolution(dpiX, dpiY, resolutionUnit));
    }

    /** Encodes pixels held in native memory (libjpeg-turbo present), with the same markers. */
    public byte[] encode(NativeImage image, int quality, OutputMetadata metadata) {
        byte[] jpeg = turbo.encode(image, Math.max(1, Math.min(100, quality)));
        return finish(jpeg, jpeg.length, metadata, image.channels);
    }

    /**
     * A stored JPEG tile sent as it is (codec pass-through) with the ICC profile's APP2 segments
     * inserted after SOI, as iipsrv injects them; the stream itself is unchanged. Returns the
     * stream as given when there is no profile for it.
     */
    public static byte[] withIccProfile(byte[] jpeg, byte[] icc, int channels) {
        if (!IccEmbedding.fits(icc, channels) || jpeg.length < 4 || (jpeg[0] & 0xff) != 0xFF
                || (jpeg[1] & 0xff) != 0xD8) {
            return jpeg;
        }
        byte[] app2 = iccSegments(icc);
        byte[] result = new byte[jpeg.length + app2.length];
        System.arraycopy(jpeg, 0, result, 0, 2);
        System.arraycopy(app2, 0, result, 2, app2.length);
        System.arraycopy(jpeg, 2, result, 2 + app2.length, jpeg.length - 2);
        return result;
    }

    private static final byte[] XMP_SIGNATURE = "http://ns.adobe.com/xap/1.0/\0".getBytes(StandardCharsets.ISO_8859_1);

    /**
     * The XMP packet as an APP1 segment (XMP Specification Part 3, 1.1.3), or nothing when there is
     * none or it does not fit one segment (65,502 bytes: extended XMP is not written).
     */
    static byte[] xmpSegment(byte[] xmp) {
        if (xmp == null || xmp.length == 0 || xmp.length > 65535 - 2 - XMP_SIGNATURE.length) {
            return new byte[0];
        }
        int length = 2 + XMP_SIGNATURE.length + xmp.length;
        byte[] s = new byte[2 + length];
        s[0] = (byte) 0xFF;
        s[1] = (byte) 0xE1;
        s[2] = (byte) (length >> 8);
        s[3] = (byte) length;
        System.arraycopy(XMP_SIGNATURE, 0, s, 4, XMP_SIGNATURE.length);
        System.arraycopy(xmp, 0, s, 4 + XMP_SIGNATURE.length, xmp.length);
        return s;
    }

    /** A passed-through JPEG tile with the XMP packet's APP1 segment inserted after SOI (and any ICC segments). */
    public static byte[] withXmp(byte[] jpeg, byte[] xmp) {
        byte[] app1 = xmpSegment(xmp);
        if (app1.length == 0 || jpeg.length < 4 || (jpeg[0] & 0xff) != 0xFF || (jpeg[1] & 0xff) != 0xD8) {
            return jpeg;
        }
        int at = 2;
        // after the APP2 ICC segments withIccProfile put right after SOI
        while (at + 4 <= jpeg.length && (jpeg[at] & 0xff) == 0xFF && (jpeg[at + 1] & 0xff) == 0xE2) {
            at += 2 + ((jpeg[at + 2] & 0xff) << 8 | jpeg[at + 3] & 0xff);
        }
        byte[] result = new byte[jpeg.length + app1.length];
        System.arraycopy(jpeg, 0, result, 0, at);
        System.arraycopy(app1, 0, result, at, app1.length);
        System.arraycopy(jpeg, at, result, at + app1.length, jpeg.length - at);
        return result;
    }

    /** The Exif block as an APP1 {@code Exif\0\0} segment, or nothing when there is none or it is too long. */
    static byte[] exifSegment(byte[] exif) {
        if (exif == null || exif.length < 8 || exif.length > 65535 - 2 - 6) {
            return new byte[0];
        }
        int length = 2 + 6 + exif.length;
        byte[] s = new byte[2 + length];
        s[0] = (byte) 0xFF;
        s[1] = (byte) 0xE1;
        s[2] = (byte) (length >> 8);
        s[3] = (byte) length;
        s[4] = 'E';
        s[5] = 'x';
        s[6] = 'i';
        s[7] = 'f';
        System.arraycopy(exif, 0, s, 10, exif.length);
        return s;
    }

    /** Largest profile part in one APP2 segment: 65535 minus the length field and the 14-byte header. */
    private static final int ICC_CHUNK = 65519;
    private static final byte[] ICC_SIGNATURE = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);

    /**
     * The profile as APP2 segments (ICC.1 Annex B.4: "ICC_PROFILE\0", sequence number from 1,
     * segment count, then at most 65519 bytes of the profile), or an empty array for null.
     */
    static byte[] iccSegments(byte[] icc) {
        if (icc == null || icc.length == 0) {
            return new byte[0];
        }
        int count = (icc.length + ICC_CHUNK - 1) / ICC_CHUNK;
        if (count > 255) {
            // More than the 255 segments the numbering allows: not embeddable in JPEG.
            return new byte[0];
        }
        byte[] out = new byte[icc.length + count * (4 + ICC_SIGNATURE.length + 2)];
        int pos = 0;
        for (int i = 0; i < count; i++) {
            int part = Math.min(ICC_CHUNK, icc.length - i * ICC_CHUNK);
            int len = 2 + ICC_SIGNATURE.length + 2 + part;
            out[pos++] = (byte) 0xFF;
            out[pos++] = (byte) 0xE2;
            out[pos++] = (byte) (len >> 8);
            out[pos++] = (byte) len;
            System.arraycopy(ICC_SIGNATURE, 0, out, pos, ICC_SIGNATURE.length);
            pos += ICC_SIGNATURE.length;
            out[pos++] = (byte) (i + 1);
            out[pos++] = (byte) count;
            System.arraycopy(icc, i * ICC_CHUNK, out, pos, part);
            pos += part;
        }
        return out;
    }

    /** Patches JFIF density/units and splices the COM and ICC segments after APP0, in one copy. */
    byte[] finish(byte[] jpeg, int length, OutputMetadata metadata, int channels) {
        double dpiX = metadata.dpiX();
        double dpiY = metadata.dpiY();
        int unit = metadata.resolutionUnit();
        byte[] icc = iccSegments(IccEmbedding.forChannels(metadata, channels));
        int insertAt;
        boolean jfif = length > 20 && (jpeg[2] & 0xff) == 0xFF && (jpeg[3] & 0xff) == 0xE0 && jpeg[6] == 'J'
                && jpeg[7] == 'F' && jpeg[8] == 'I' && jpeg[9] == 'F' && jpeg[10] == 0;
        byte[] app0 = null;
        if (jfif) {
            insertAt = 4 + (((jpeg[4] & 0xff) << 8) | (jpeg[5] & 0xff));
        } else {
            // no JFIF from the writer (not expected): insert our own APP0 after SOI
            insertAt = 2;
            app0 = new byte[] {(byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
        }
        // The rights (the image's, else COPYRIGHT) in a second comment: JPEG has no copyright field.
        byte[] rights = comSegment(metadata.text("rights"));
        byte[] xmp = xmpSegment(metadata.xmp());
        byte[] exif = exifSegment(metadata.exif());
        int extra = comSegment.length + rights.length + icc.length + xmp.length + exif.length
                + (app0 == null ? 0 : app0.length);
        byte[] result = new byte[length + extra];
        System.arraycopy(jpeg, 0, result, 0, insertAt);
        int pos = insertAt;
        if (app0 != null) {
            System.arraycopy(app0, 0, result, pos, app0.length);
            pos += app0.length;
        }
        System.arraycopy(comSegment, 0, result, pos, comSegment.length);
        pos += comSegment.length;
        System.arraycopy(rights, 0, result, pos, rights.length);
        pos += rights.length;
        System.arraycopy(icc, 0, result, pos, icc.length);
        pos += icc.length;
        System.arraycopy(exif, 0, result, pos, exif.length);
        pos += exif.length;
        System.arraycopy(xmp, 0, result, pos, xmp.length);
        pos += xmp.length;
        System.arraycopy(jpeg, insertAt, result, pos, length - insertAt);
        int dx = density(dpiX);
        int dy = density(dpiY);
        if (dx == 0 || dy == 0) {
            // unknown resolution: JFIF's default 1:1 aspect, no unit
            dx = 1;
            dy = 1;
            unit = 0;
        }
        result[13] = (byte) (unit >= 0 && unit <= 2 ? unit : 0);
        result[14] = (byte) (dx >> 8);
        result[15] = (byte) dx;
        result[16] = (byte) (dy >> 8);
        result[17] = (byte) dy;
        return result;
    }

    private static int density(double dpi) {
        if (!(dpi > 0)) {
            return 0;
        }
        long d = Math.round(dpi);
        return (int) Math.min(d, 65535);
    }

    /** ByteArrayOutputStream exposing its buffer, to avoid one copy. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int size) {
            super(size);
        }

        byte[] array() {
            return buf;
        }
    }
}
