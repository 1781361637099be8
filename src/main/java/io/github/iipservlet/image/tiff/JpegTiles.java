package io.github.iipservlet.image.tiff;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.codec.TurboJpeg;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.PixelBlock;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.IOException;
import javax.imageio.ImageReader;

/**
 * JPEG-compressed tiles (compression 7): each tile's stream is the file's JPEGTables followed by
 * the tile's own segments, checked ({@link JpegTileCheck}) before it is passed through or
 * decoded; decoded by libjpeg-turbo where it takes the stream, else by the JDK's decoder.
 */
final class JpegTiles {
    private final NativeCodecs codecs;

    JpegTiles(NativeCodecs codecs) {
        this.codecs = codecs;
    }

    /** The tile's complete JPEG stream (shared tables and its own), checked to be one (JpegTileCheck). */
    static byte[] stream(TiffLevel l, byte[] raw) throws ImageException {
        check(l, raw);
        byte[] prefix = l.jpegPrefix;
        byte[] out = new byte[prefix.length + raw.length - 2];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(raw, 2, out, prefix.length, raw.length - 2);
        return out;
    }

    static void check(TiffLevel l, byte[] raw) throws ImageException {
        if (!JpegTileCheck.decodable(l.jpegPrefix, raw, l.level.tileWidth(), l.level.tileHeight(),
                l.samplesInTile)) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad JPEG tile");
        }
    }

    /** The samples of a stored tile ({@code raw} empty: a sparse tile, black), cropped to outW x outH. */
    PixelBlock decode(TiffLevel l, byte[] raw, int outW, int outH) throws ImageException {
        int channels = l.samplesInTile;
        if (raw.length == 0) {
            return PixelBlock.ofBytes(outW, outH, channels, new byte[outW * outH * channels]);
        }
        byte[] stream = stream(l, raw);
        PixelBlock fast = decodeWithTurboJpeg(l, stream, outW, outH);
        if (fast != null) {
            return fast;
        }
        ImageReader reader = codecs.takeJdkJpegReader();
        boolean healthy = false;
        BufferedImage img;
        try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(stream)) {
            reader.setInput(in, true, true);
            img = reader.read(0);
            healthy = true;
        } catch (IOException | RuntimeException e) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad JPEG tile", e);
        } finally {
            reader.setInput(null);
            codecs.giveJdkJpegReader(reader, healthy);
        }
        if (img.getWidth() < outW || img.getHeight() < outH) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: JPEG tile smaller than the tile");
        }
        Raster raster = img.getRaster();
        int bands = raster.getNumBands();
        if (bands != channels || !(raster.getDataBuffer() instanceof DataBufferByte)
                || !(raster.getSampleModel() instanceof ComponentSampleModel)) {
            // Unusual layout: go through the generic path.
            byte[] out = new byte[outW * outH * channels];
            int[] px = new int[channels];
            int o = 0;
            boolean rgbImage = img.getType() != BufferedImage.TYPE_BYTE_GRAY && channels == 3;
            for (int y = 0; y < outH; y++) {
                for (int x = 0; x < outW; x++) {
                    if (rgbImage) {
                        int argb = img.getRGB(x, y);
                        out[o++] = (byte) (argb >> 16);
                        out[o++] = (byte) (argb >> 8);
                        out[o++] = (byte) argb;
                    } else {
                        raster.getPixel(x, y, px);
                        for (int c = 0; c < channels; c++) {
                            out[o++] = (byte) px[c];
                        }
                    }
                }
            }
            return PixelBlock.ofBytes(outW, outH, channels, out);
        }
        ComponentSampleModel sm = (ComponentSampleModel) raster.getSampleModel();
        byte[] src = ((DataBufferByte) raster.getDataBuffer()).getData();
        int stride = sm.getScanlineStride();
        int pixStride = sm.getPixelStride();
        int[] bandOffsets = sm.getBandOffsets();
        int w = img.getWidth();
        if (channels == 1) {
            if (stride == outW && pixStride == 1 && bandOffsets[0] == 0 && src.length == outW * outH) {
                return PixelBlock.ofBytes(outW, outH, 1, src);
            }
            byte[] out = new byte[outW * outH];
            for (int y = 0; y < outH; y++) {
                System.arraycopy(src, y * stride + bandOffsets[0], out, y * outW, outW);
            }
            return PixelBlock.ofBytes(outW, outH, 1, out);
        }
        int o0 = bandOffsets[0];
        int o1 = bandOffsets[1];
        int o2 = bandOffsets[2];
        if (w == outW && pixStride == 3 && stride == w * 3 && o0 == 2 && o1 == 1 && o2 == 0
                && src.length == outW * outH * 3) {
            // BGR in place to RGB
            for (int i = 0; i < src.length; i += 3) {
                byte t = src[i];
                src[i] = src[i + 2];
                src[i + 2] = t;
            }
            return PixelBlock.ofBytes(outW, outH, 3, src);
        }
        byte[] out = new byte[outW * outH * 3];
        int o = 0;
        for (int y = 0; y < outH; y++) {
            int p = y * stride;
            for (int x = 0; x < outW; x++, p += pixStride) {
                out[o++] = src[p + o0];
                out[o++] = src[p + o1];
                out[o++] = src[p + o2];
            }
        }
        return PixelBlock.ofBytes(outW, outH, 3, out);
    }

    /** libjpeg-turbo's decode when it is installed and suits the stream, else null (ImageIO decodes). */
    private PixelBlock decodeWithTurboJpeg(TiffLevel l, byte[] stream, int outW, int outH) throws ImageException {
        TurboJpeg turbo = codecs.turboJpeg();
        if (turbo == null) {
            return null;
        }
        int channels = l.samplesInTile;
        TurboJpeg.Decoded d;
        try {
            d = turbo.decode(stream, l.level.tileWidth(), l.level.tileHeight());
        } catch (IllegalArgumentException e) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad JPEG tile", e);
        }
        if (d == null || d.channels() != channels) {
            return null;
        }
        if (d.width() < outW || d.height() < outH) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: JPEG tile smaller than the tile");
        }
        if (d.width() == outW && d.height() == outH) {
            return PixelBlock.ofBytes(outW, outH, channels, d.pixels());
        }
        return PixelBlock.ofBytes(outW, outH, channels, TileDecoder.cropBytes(d.pixels(), d.width(), d.height(), channels, outW,
                outH));
    }
}
