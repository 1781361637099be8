package io.github.iipservlet.encode;

import io.github.iipservlet.image.PixelBlock;
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
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageWriterSpi;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * 8-bit grey or RGB PNG through the JDK's own PNG writer, looked up by class name so another
 * plugin on the class path cannot take its place. The quality is PNG_QUALITY, zlib's 0-9 level.
 * A first cut for IIIF level 2; 16-bit output and the resolution chunk come with the output
 * formats issue.
 */
public final class PngEncoder implements ImageEncoder {
    private static final String JDK_WRITER = "com.sun.imageio.plugins.png.PNGImageWriter";
    private static final ColorModel RGB = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false,
            false, ColorModel.OPAQUE, DataBuffer.TYPE_BYTE);
    private static final ColorModel GREY = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), false,
            false, ColorModel.OPAQUE, DataBuffer.TYPE_BYTE);
    private static final ThreadLocal<ImageWriter> WRITERS = new ThreadLocal<>();
    private static volatile ImageWriterSpi spi;

    @Override
    public String mimeType() {
        return OutputFormat.PNG.mimeType;
    }

    @Override
    public String suffix() {
        return OutputFormat.PNG.suffix;
    }

    @Override
    public int maxChannels() {
        return 3;
    }

    @Override
    public byte[] encode(PixelBlock eightBit, int quality, double dpiX, double dpiY, int resolutionUnit) {
        int ch = eightBit.channels;
        if ((ch != 1 && ch != 3) || !(eightBit.data instanceof byte[] bytes)) {
            throw new IllegalArgumentException("PNG takes 8-bit grey or RGB samples");
        }
        int w = eightBit.width;
        int h = eightBit.height;
        WritableRaster raster = Raster.createInterleavedRaster(new DataBufferByte(bytes, w * h * ch), w, h, w * ch,
                ch, ch == 3 ? new int[] {0, 1, 2} : new int[] {0}, null);
        BufferedImage image = new BufferedImage(ch == 3 ? RGB : GREY, raster, false, null);
        ImageWriter writer = writer();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        // The JDK writer maps quality q to deflate level round(9 * (1 - q)).
        int level = Math.max(0, Math.min(9, quality));
        param.setCompressionQuality(1f - level / 9f);
        ByteArrayOutputStream out = new ByteArrayOutputStream(w * h * ch / 2 + 1024);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.reset();
        }
        return out.toByteArray();
    }

    private static ImageWriter writer() {
        ImageWriter w = WRITERS.get();
        if (w == null) {
            try {
                w = writerSpi().createWriterInstance();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            WRITERS.set(w);
        }
        return w;
    }

    private static ImageWriterSpi writerSpi() {
        ImageWriterSpi s = spi;
        if (s == null) {
            Iterator<ImageWriterSpi> it = IIORegistry.getDefaultInstance().getServiceProviders(ImageWriterSpi.class,
                    true);
            while (it.hasNext()) {
                ImageWriterSpi candidate = it.next();
                if (JDK_WRITER.equals(candidate.getPluginClassName())) {
                    s = candidate;
                    break;
                }
            }
            if (s == null) {
                throw new IllegalStateException("JDK PNG writer " + JDK_WRITER + " not registered");
            }
            spi = s;
        }
        return s;
    }
}
