package io.github.iipservlet.image.raster;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.codec.TurboJpeg;
import io.github.iipservlet.image.ImageBytes;
import io.github.iipservlet.image.ImageBytesStream;
import io.github.iipservlet.image.ImageException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.function.Supplier;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * How the levels of a plain image are decoded from its file (docs/protocols.md 9.6): a JPEG by
 * libjpeg-turbo scaling in the DCT (1/1 to 1/8), or by the JDK's reader subsampling without it; a
 * PNG or a striped TIFF whole, by ImageIO. A decode reads the whole file: a remote one into memory
 * first (one read, not one ranged request per block), a local one through its positional reads.
 */
final class Decoders {
    private Decoders() {
    }

    /** Decodes level {@code k} (1/2^k of the full size) of one file. */
    interface Decoder {
        /** Levels 0 to this minus 1 are decoded from the file; the rest are halved from them. */
        int directLevels();

        /** The most memory a decode of level {@code k} holds at once, for the budget. */
        long workingBytes(int k, long levelBytes);

        Raster decode(int k) throws ImageException;
    }

    /** A plain JPEG: DCT scaling through libjpeg-turbo, or the JDK's reader subsampling. */
    static Decoder jpeg(ImageBytes bytes, NativeCodecs codecs) {
        return new Decoder() {
            @Override
            public int directLevels() {
                return 4;
            }

            @Override
            public long workingBytes(int k, long levelBytes) {
                // The file, the decoded pixels (native or ImageIO's), and their heap copy.
                return bytes.size() + 2 * levelBytes;
            }

            @Override
            public Raster decode(int k) throws ImageException {
                byte[] file = whole(bytes);
                TurboJpeg turbo = codecs.turboJpeg();
                if (turbo != null) {
                    try {
                        TurboJpeg.Decoded d = turbo.decodeScaled(file, 1 << k);
                        if (d != null) {
                            return new Raster(d.width(), d.height(), d.channels(), d.pixels());
                        }
                    } catch (IllegalArgumentException e) {
                        throw new ImageException(ImageException.Kind.CORRUPT, "JPEG error: damaged image data", e);
                    }
                }
                ImageReader reader = codecs.takeJdkJpegReader();
                boolean healthy = false;
                try {
                    Raster r = read(reader, new MemoryCacheImageInputStream(new ByteArrayInputStream(file)), 1 << k);
                    healthy = true;
                    return r;
                } finally {
                    reader.setInput(null);
                    codecs.giveJdkJpegReader(reader, healthy);
                }
            }
        };
    }

    /** A PNG or a striped TIFF, decoded whole by a new reader of {@code readers}. */
    static Decoder imageIo(ImageBytes bytes, Supplier<ImageReader> readers) {
        return new Decoder() {
            @Override
            public int directLevels() {
                return 1;
            }

            @Override
            public long workingBytes(int k, long levelBytes) {
                // ImageIO's image and its copy, and a remote file held whole.
                return (bytes.remote() ? bytes.size() : 0) + 2 * levelBytes;
            }

            @Override
            public Raster decode(int k) throws ImageException {
                ImageReader reader = readers.get();
                try {
                    return read(reader, stream(bytes), 1);
                } finally {
                    reader.dispose();
                }
            }
        };
    }

    /** The whole object in memory. */
    static byte[] whole(ImageBytes bytes) throws ImageException {
        if (bytes.size() > Integer.MAX_VALUE - 16) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported image: file too large");
        }
        return bytes.read(0, (int) bytes.size());
    }

    /** A stream over the object: in memory when remote, else its positional reads. */
    static ImageInputStream stream(ImageBytes bytes) throws ImageException {
        return bytes.remote() ? new MemoryCacheImageInputStream(new ByteArrayInputStream(whole(bytes)))
                : new ImageBytesStream(bytes, null);
    }

    /** Image 0 of {@code in}, every {@code step}-th pixel, as a raster. */
    private static Raster read(ImageReader reader, ImageInputStream in, int step) throws ImageException {
        try (in) {
            reader.setInput(in, true, true);
            ImageReadParam param = reader.getDefaultReadParam();
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            return raster(reader.read(0, param));
        } catch (IOException | RuntimeException e) {
            ImageException cause = ImageBytesStream.cause(e);
            if (cause != null) {
                throw cause;
            }
            throw new ImageException(ImageException.Kind.CORRUPT, "Image error: damaged image data", e);
        }
    }

    /**
     * What the server serves of an ImageIO image type: {channels, bits}. Palettes become RGB (RGBA
     * with transparency); alpha is kept; 1 to 8 bits become 8, 9 to 16 become 16.
     *
     * @throws ImageException UNSUPPORTED for CMYK, floating point or 32-bit samples
     */
    static int[] layout(ImageTypeSpecifier type) throws ImageException {
        ColorModel cm = type.getColorModel();
        if (cm instanceof IndexColorModel icm) {
            return new int[] {icm.hasAlpha() ? 4 : 3, 8};
        }
        int dataType = type.getSampleModel().getDataType();
        int bands = type.getSampleModel().getNumBands();
        int csType = cm.getColorSpace().getType();
        if (dataType != DataBuffer.TYPE_BYTE && dataType != DataBuffer.TYPE_USHORT || bands > 4
                || csType != ColorSpace.TYPE_RGB && csType != ColorSpace.TYPE_GRAY) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported image: samples or colours");
        }
        return new int[] {bands, type.getSampleModel().getSampleSize(0) > 8 ? 16 : 8};
    }

    /** An ImageIO image as a raster: palettes expanded, samples below 8 bits scaled to 0-255. */
    static Raster raster(BufferedImage image) throws ImageException {
        int w = image.getWidth();
        int h = image.getHeight();
        ColorModel cm = image.getColorModel();
        WritableRaster wr = image.getRaster();
        if (cm instanceof IndexColorModel icm) {
            int ch = icm.hasAlpha() ? 4 : 3;
            byte[] out = new byte[w * h * ch];
            int[] idx = new int[w];
            for (int y = 0; y < h; y++) {
                wr.getSamples(0, y, w, 1, 0, idx);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * ch;
                    out[o] = (byte) icm.getRed(idx[x]);
                    out[o + 1] = (byte) icm.getGreen(idx[x]);
                    out[o + 2] = (byte) icm.getBlue(idx[x]);
                    if (ch == 4) {
                        out[o + 3] = (byte) icm.getAlpha(idx[x]);
                    }
                }
            }
            return new Raster(w, h, ch, out);
        }
        int[] layout = layout(new ImageTypeSpecifier(image));
        int ch = layout[0];
        int size = wr.getSampleModel().getSampleSize(0);
        int max = (1 << size) - 1;
        int[] row = new int[w * ch];
        Object out = layout[1] == 16 ? new short[w * h * ch] : new byte[w * h * ch];
        for (int y = 0; y < h; y++) {
            wr.getPixels(0, y, w, 1, row);
            int o = y * w * ch;
            if (out instanceof short[] s) {
                for (int i = 0; i < row.length; i++) {
                    s[o + i] = (short) (size == 16 ? row[i] : row[i] * 65535 / max);
                }
            } else {
                byte[] b = (byte[]) out;
                for (int i = 0; i < row.length; i++) {
                    b[o + i] = (byte) (size == 8 ? row[i] : row[i] * 255 / max);
                }
            }
        }
        return new Raster(w, h, ch, out);
    }

    /** The first reader ImageIO has for a format name (the JDK's PNG reader for "png"). */
    static ImageReader reader(String format) {
        Iterator<ImageReader> it = javax.imageio.ImageIO.getImageReadersByFormatName(format);
        if (!it.hasNext()) {
            throw new IllegalStateException("no ImageIO reader for " + format);
        }
        return it.next();
    }
}
