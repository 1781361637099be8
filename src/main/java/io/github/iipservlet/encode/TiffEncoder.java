package io.github.iipservlet.encode;

import com.github.jaiimageio.plugins.tiff.BaselineTIFFTagSet;
import com.github.jaiimageio.plugins.tiff.TIFFCompressor;
import com.github.jaiimageio.plugins.tiff.TIFFDirectory;
import com.github.jaiimageio.plugins.tiff.TIFFField;
import com.github.jaiimageio.plugins.tiff.TIFFImageWriteParam;
import com.github.jaiimageio.plugins.tiff.TIFFTag;
import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.codec.ZstdCompress;
import io.github.iipservlet.image.PixelBlock;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * TIFF (docs/protocols.md 10) through jai-imageio-core's TIFF writer, chosen by class name: one image, in
 * strips, 8- or 16-bit, grey, grey+alpha, RGB or RGBA (alpha as an unassociated extra sample).
 * Tags: Software, Copyright (rights), Artist (creator), ImageDescription, DocumentName (title),
 * PageName, Make, Model, DateTime (when it has TIFF's form), Orientation top-left, the ICC profile
 * when it fits the channels, and the resolution in pixels per centimetre.
 *
 * <p>Compression (TIFF_COMPRESSION or QLT's prefix) and its level (TIFF_QUALITY or QLT):
 * <ul>
 * <li>0 none;
 * <li>1 LZW (jai's own compressor; the level is not used);
 * <li>2 Deflate (Adobe, tag value 8) at zlib level 0-9, through a small compressor of ours because
 *     jai's maps its quality to level {@code 1 + 8q} and cannot write level 0;
 * <li>3 JPEG (tag value 7) at quality 1-100, one strip holding a complete JPEG stream from
 *     {@link JpegEncoder} (the JDK writer by class name, or libjpeg-turbo): photometric YCbCr with
 *     4:2:0 subsampling for colour, grey as grey. jai's own JPEG compressor picks whichever JPEG
 *     writer ImageIO lists first, which in a WAR changes between requests. 16-bit samples and
 *     alpha cannot be JPEG-compressed: Deflate is used for them.
 * <li>4 WebP (tag value 50001, as libtiff writes it) at lossy quality 0-100: one strip holding a
 *     complete WebP file from the bundled libwebp ({@link LibWebp}), method 0. WebP holds only 8-bit
 *     RGB and RGBA of at most 16,383 pixels a side: grey, 16-bit samples and larger images are
 *     written with Deflate (level 6) instead.
 * <li>5 Zstandard (tag value 50000) at level 0-19 (0 is libzstd's default, 3): one strip holding
 *     one zstd frame of the samples, from the system libzstd ({@link ZstdCompress}); without
 *     libzstd, Deflate (logged at start-up for TIFF_COMPRESSION=5).
 * </ul>
 * jai's writer has neither WebP nor Zstandard; the strips are written here, as the JPEG one is.
 *
 * <p>The {@code quality} handed to {@link #encode} carries both settings, see {@link #setting}:
 * a view has one encoder setting, and TIFF needs two.
 */
public final class TiffEncoder implements ImageEncoder {
    static final String WRITER = "com.github.jaiimageio.impl.plugins.tiff.TIFFImageWriter";

    public static final int NONE = 0;
    public static final int LZW = 1;
    public static final int DEFLATE = 2;
    public static final int JPEG = 3;
    public static final int WEBP = 4;
    public static final int ZSTD = 5;

    private static final int TAG_DOCUMENT_NAME = 269;
    /** XMLPacket (700), where TIFF holds XMP; not in the baseline tag set. */
    private static final TIFFTag XML_PACKET = new TIFFTag("XMLPacket", 700,
            1 << TIFFTag.TIFF_BYTE | 1 << TIFFTag.TIFF_UNDEFINED);
    private static final int TAG_PAGE_NAME = 285;
    private static final Pattern TIFF_DATE = Pattern.compile("\\d{4}:\\d\\d:\\d\\d \\d\\d:\\d\\d:\\d\\d");
    private static final WriterPool WRITERS = new WriterPool(WRITER);

    private final String software;
    /** JPEG-compressed TIFF: the streams carry no comment. */
    private final JpegEncoder jpeg;

    /**
     * @param software the Software tag (the server's Version string), or null
     * @param codecs   the context's native codecs, for JPEG compression
     */
    public TiffEncoder(String software, NativeCodecs codecs) {
        this.software = software == null || software.isEmpty() ? null : software;
        this.jpeg = new JpegEncoder(null, codecs);
    }

    /**
     * One int holding compression and level, {@code compression * 1000 + level}, with iipsrv's
     * clamping of the level (docs/protocols.md 3.7: 0-9 for Deflate, 0-19 for Zstandard, else 0-100).
     * Compressions other than 0-5 are none (iipsrv resets them to 0).
     */
    public static int setting(int compression, int level) {
        int c = compression < NONE || compression > ZSTD ? NONE : compression;
        int max = c == DEFLATE ? 9 : c == ZSTD ? 19 : 100;
        return c * 1000 + Math.max(0, Math.min(max, level));
    }

    /** The compression of a {@link #setting}. */
    public static int compressionOf(int setting) {
        return Math.max(0, setting) / 1000;
    }

    /** The level of a {@link #setting}. */
    public static int levelOf(int setting) {
        return Math.max(0, setting) % 1000;
    }

    /**
     * The compression actually written for a requested one: Zstandard becomes Deflate without
     * libzstd, WebP without the bundled libwebp.
     */
    public static int written(int compression) {
        if (compression == ZSTD && !ZstdCompress.available() || compression == WEBP && !WebpEncoder.isAvailable()) {
            return DEFLATE;
        }
        return compression;
    }

    private static final int TAG_COMPRESSION_ZSTD = 50000;
    private static final int TAG_COMPRESSION_WEBP = 50001;
    /** Deflate level used when WebP cannot hold the image. */
    private static final int WEBP_FALLBACK_LEVEL = 6;

    @Override
    public OutputFormat format() {
        return OutputFormat.TIFF;
    }

    @Override
    public int maxChannels() {
        return 4;
    }

    @Override
    public boolean keepsSixteenBit() {
        return true;
    }

    @Override
    public byte[] encode(PixelBlock block, int quality, OutputMetadata metadata) {
        boolean sixteen = ImageEncoder.requireUpToFourChannels(block, "TIFF");
        int ch = block.channels;
        int w = block.width;
        int h = block.height;
        boolean alpha = ch == 2 || ch == 4;
        int compression = written(compressionOf(quality));
        int level = levelOf(quality);
        if (compression == JPEG && (sixteen || alpha)) {
            compression = DEFLATE;
            level = Math.min(level, 9);
        } else if (compression == WEBP && (sixteen || ch < 3 || w > WebpEncoder.MAX_DIMENSION
                || h > WebpEncoder.MAX_DIMENSION)) {
            compression = DEFLATE;
            level = WEBP_FALLBACK_LEVEL;
        } else if (compression == DEFLATE) {
            level = Math.min(level, 9);
        }

        BufferedImage image = image(block, w, h, ch, sixteen, alpha);
        ImageWriter writer = WRITERS.take();
        TIFFImageWriteParam param = (TIFFImageWriteParam) writer.getDefaultWriteParam();
        switch (compression) {
            case LZW -> {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionType("LZW");
            }
            case DEFLATE -> {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionType("ZLib");
                param.setTIFFCompressor(new DeflateStrips(level));
            }
            case JPEG -> {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionType("JPEG");
                param.setTIFFCompressor(new JpegStrip(jpeg, Math.max(1, Math.min(100, level))));
            }
            case WEBP, ZSTD -> {
                // jai takes a compressor only under a compression it knows: ours writes its strip
                // as "ZLib", and the Compression tag is set to WebP's or Zstandard's number after.
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionType("ZLib");
                param.setTIFFCompressor(new OneStrip(compression, level));
            }
            default -> param.setCompressionMode(ImageWriteParam.MODE_DISABLED);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(w * h * ch / (compression == NONE ? 1 : 3) + 1024);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            IIOMetadata tags = tags(writer, image, param, metadata, ch, h, compression);
            writer.setOutput(ios);
            writer.write(null, new IIOImage(image, null, tags), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            WRITERS.give(writer);
        }
        byte[] tiff = out.toByteArray();
        if (compression == WEBP || compression == ZSTD) {
            setCompressionTag(tiff, compression == WEBP ? TAG_COMPRESSION_WEBP : TAG_COMPRESSION_ZSTD);
        }
        return metadata.exif() == null ? tiff : TiffExif.withExif(tiff, metadata.exif());
    }

    /** Sets the Compression tag (259, a SHORT held in its entry) of the first IFD of a classic TIFF. */
    private static void setCompressionTag(byte[] tiff, int value) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(tiff).order(tiff[0] == 'I'
                ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
        int ifd = b.getInt(4);
        int entries = b.getShort(ifd) & 0xFFFF;
        for (int i = 0, e = ifd + 2; i < entries; i++, e += 12) {
            if ((b.getShort(e) & 0xFFFF) == BaselineTIFFTagSet.TAG_COMPRESSION) {
                b.putShort(e + 8, (short) value);
                return;
            }
        }
        throw new IllegalStateException("the TIFF writer wrote no Compression tag");
    }

    /** The block wrapped without copying: interleaved samples, grey or sRGB, alpha last. */
    private static BufferedImage image(PixelBlock block, int w, int h, int ch, boolean sixteen, boolean alpha) {
        int type = sixteen ? DataBuffer.TYPE_USHORT : DataBuffer.TYPE_BYTE;
        ColorSpace cs = ColorSpace.getInstance(ch >= 3 ? ColorSpace.CS_sRGB : ColorSpace.CS_GRAY);
        ColorModel cm = new ComponentColorModel(cs, alpha, false, alpha ? Transparency.TRANSLUCENT
                : Transparency.OPAQUE, type);
        int[] offsets = new int[ch];
        for (int i = 0; i < ch; i++) {
            offsets[i] = i;
        }
        PixelInterleavedSampleModel sm = new PixelInterleavedSampleModel(type, w, h, ch, w * ch, offsets);
        DataBuffer db = sixteen ? new DataBufferUShort((short[]) block.data, w * h * ch)
                : new DataBufferByte((byte[]) block.data, w * h * ch);
        WritableRaster raster = Raster.createWritableRaster(sm, db, null);
        return new BufferedImage(cm, raster, false, null);
    }

    /** The writer's default directory for this image plus our tags. */
    private IIOMetadata tags(ImageWriter writer, BufferedImage image, ImageWriteParam param, OutputMetadata m,
            int channels, int height, int compression) throws IIOInvalidTreeException {
        IIOMetadata defaults = writer.getDefaultImageMetadata(new ImageTypeSpecifier(image), param);
        TIFFDirectory dir = TIFFDirectory.createFromMetadata(defaults);
        BaselineTIFFTagSet base = BaselineTIFFTagSet.getInstance();
        ascii(dir, base.getTag(BaselineTIFFTagSet.TAG_SOFTWARE), software);
        ascii(dir, base.getTag(BaselineTIFFTagSet.TAG_COPYRIGHT), m.text("rights"));
        ascii(dir, base.getTag(BaselineTIFFTagSet.TAG_ARTIST), m.text("creator"));
        ascii(dir, base.getTag(BaselineTIFFTagSet.TAG_IMAGE_DESCRIPTION), m.text("description"));
        ascii(dir, base.getTag(TAG_DOCUMENT_NAME), m.text("title"));
        ascii(dir, base.getTag(TAG_PAGE_NAME), m.text("pagename"));
        ascii(dir, base.getTag(BaselineTIFFTagSet.TAG_MAKE), m.text("make"));
        ascii(dir, base.getTag(BaselineTIFFTagSet.TAG_MODEL), m.text("model"));
        String date = m.text("date");
        if (date != null && TIFF_DATE.matcher(date).matches()) {
            ascii(dir, base.getTag(BaselineTIFFTagSet.TAG_DATE_TIME), date);
        }
        dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_ORIENTATION),
                BaselineTIFFTagSet.ORIENTATION_ROW_0_TOP_COLUMN_0_LEFT));
        byte[] icc = IccEmbedding.forChannels(m, channels);
        if (icc != null) {
            dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_ICC_PROFILE), TIFFTag.TIFF_UNDEFINED,
                    icc.length, icc));
        }
        if (m.xmp() != null) {
            dir.addTIFFField(new TIFFField(XML_PACKET, TIFFTag.TIFF_BYTE, m.xmp().length, m.xmp()));
        }
        resolution(dir, base, m);
        if (compression == JPEG || compression == WEBP || compression == ZSTD) {
            // One strip holding one JPEG stream, WebP file or zstd frame.
            dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_ROWS_PER_STRIP), height));
        }
        if (compression == JPEG) {
            // Colour is stored as JPEG's YCbCr, 4:2:0.
            if (channels == 3) {
                dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_PHOTOMETRIC_INTERPRETATION),
                        BaselineTIFFTagSet.PHOTOMETRIC_INTERPRETATION_Y_CB_CR));
                dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_Y_CB_CR_SUBSAMPLING),
                        TIFFTag.TIFF_SHORT, 2, new char[] {2, 2}));
                dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_REFERENCE_BLACK_WHITE),
                        TIFFTag.TIFF_RATIONAL, 6, new long[][] {{0, 1}, {255, 1}, {128, 1}, {255, 1}, {128, 1},
                            {255, 1}}));
            }
        }
        return dir.getAsMetadata();
    }

    /** X/YResolution in pixels per centimetre; as given with unit "none" when the unit is unknown. */
    private static void resolution(TIFFDirectory dir, BaselineTIFFTagSet base, OutputMetadata m) {
        if (!(m.dpiX() > 0) || !(m.dpiY() > 0)) {
            return;
        }
        boolean known = m.resolutionUnit() == 1 || m.resolutionUnit() == 2;
        double x = known ? m.pixelsPerCm(m.dpiX()) : m.dpiX();
        double y = known ? m.pixelsPerCm(m.dpiY()) : m.dpiY();
        dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_X_RESOLUTION), TIFFTag.TIFF_RATIONAL, 1,
                new long[][] {rational(x)}));
        dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_Y_RESOLUTION), TIFFTag.TIFF_RATIONAL, 1,
                new long[][] {rational(y)}));
        dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_RESOLUTION_UNIT), known
                ? BaselineTIFFTagSet.RESOLUTION_UNIT_CENTIMETER : BaselineTIFFTagSet.RESOLUTION_UNIT_NONE));
    }

    /** A positive value as a rational with four decimals. */
    private static long[] rational(double v) {
        long den = 10000;
        long num = Math.round(v * den);
        if (num > 0xFFFFFFFFL) {
            return new long[] {Math.min(0xFFFFFFFFL, Math.round(v)), 1};
        }
        return new long[] {Math.max(1, num), den};
    }

    /** An ASCII tag; characters outside ASCII become '?', as TIFF ASCII is 7-bit. */
    private static void ascii(TIFFDirectory dir, TIFFTag tag, String value) {
        if (value == null) {
            return;
        }
        StringBuilder b = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            b.append(c == 0 ? ' ' : c < 0x80 ? c : '?');
        }
        dir.addTIFFField(new TIFFField(tag, TIFFTag.TIFF_ASCII, 1, new String[] {b.toString()}));
    }

    /** Deflate (zlib stream, TIFF compression 8) of each strip at the exact level asked for. */
    private static final class DeflateStrips extends TIFFCompressor {
        private final int level;

        DeflateStrips(int level) {
            super("ZLib", BaselineTIFFTagSet.COMPRESSION_ZLIB, true);
            this.level = level;
        }

        @Override
        public int encode(byte[] b, int off, int width, int height, int[] bitsPerSample, int scanlineStride)
                throws IOException {
            Deflater d = new Deflater(level);
            try {
                int rowBytes = rowBytes(width, bitsPerSample);
                byte[] buf = new byte[Math.max(1024, rowBytes * height / 2)];
                int total = 0;
                for (int y = 0; y < height; y++) {
                    d.setInput(b, off + y * scanlineStride, rowBytes);
                    if (y == height - 1) {
                        d.finish();
                    }
                    while (!d.needsInput() || (y == height - 1 && !d.finished())) {
                        int n = d.deflate(buf);
                        stream.write(buf, 0, n);
                        total += n;
                    }
                }
                return total;
            } finally {
                d.end();
            }
        }
    }

    /** The whole image as one strip holding a complete baseline JPEG stream (TIFF compression 7). */
    private static final class JpegStrip extends TIFFCompressor {
        private final JpegEncoder jpeg;
        private final int quality;

        JpegStrip(JpegEncoder jpeg, int quality) {
            super("JPEG", BaselineTIFFTagSet.COMPRESSION_JPEG, false);
            this.jpeg = jpeg;
            this.quality = quality;
        }

        @Override
        public int encode(byte[] b, int off, int width, int height, int[] bitsPerSample, int scanlineStride)
                throws IOException {
            int ch = bitsPerSample.length;
            int rowBytes = width * ch;
            byte[] px = new byte[rowBytes * height];
            for (int y = 0; y < height; y++) {
                System.arraycopy(b, off + y * scanlineStride, px, y * rowBytes, rowBytes);
            }
            byte[] stream = jpeg.encode(PixelBlock.ofBytes(width, height, ch, px), quality, OutputMetadata.NONE);
            this.stream.write(stream);
            return stream.length;
        }
    }

    /**
     * The whole image as one strip holding a complete WebP file (tag value 50001; 8-bit RGB or
     * RGBA) or one zstd frame of the samples (50000), as libtiff writes them.
     */
    private static final class OneStrip extends TIFFCompressor {
        private final int compression;
        private final int level;

        OneStrip(int compression, int level) {
            super("ZLib", BaselineTIFFTagSet.COMPRESSION_ZLIB, compression == ZSTD);
            this.compression = compression;
            this.level = level;
        }

        @Override
        public int encode(byte[] b, int off, int width, int height, int[] bitsPerSample, int scanlineStride)
                throws IOException {
            int rowBytes = rowBytes(width, bitsPerSample);
            byte[] px = new byte[rowBytes * height];
            for (int y = 0; y < height; y++) {
                System.arraycopy(b, off + y * scanlineStride, px, y * rowBytes, rowBytes);
            }
            byte[] data = compression == WEBP
                    ? LibWebp.encode(px, width, height, bitsPerSample.length == 4, Math.min(100, level), 0)
                    : ZstdCompress.compress(px, px.length, Math.min(19, level));
            this.stream.write(data);
            return data.length;
        }
    }

    private static int rowBytes(int width, int[] bitsPerSample) {
        int bits = 0;
        for (int s : bitsPerSample) {
            bits += s;
        }
        return (bits * width + 7) / 8;
    }
}
