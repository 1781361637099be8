package io.github.iipservlet.image.tiff;

import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.codec.WebpDecoder;
import io.github.iipservlet.codec.Zstd;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;

/**
 * Stored tiles that are not JPEG to samples (docs/protocols.md 9.2): decompression (none, LZW,
 * deflate, Zstd through codec/Zstd, WebP through codec/WebpDecoder), the horizontal and
 * floating-point predictors, 1- to 32-bit samples unpacked, MinIsWhite inverted, palettes
 * expanded, edge tiles cropped to the image.
 */
final class TileDecoder {
    private final NativeCodecs codecs;
    private final boolean bigEndian;

    TileDecoder(NativeCodecs codecs, boolean bigEndian) {
        this.codecs = codecs;
        this.bigEndian = bigEndian;
    }

    /** The samples of a stored tile ({@code raw} empty: a sparse tile, all zero), cropped to outW x outH. */
    PixelBlock decode(TiffLevel l, byte[] raw, int outW, int outH) throws ImageException {
        Level lv = l.level;
        int tw = lv.tileWidth();
        int th = lv.tileHeight();
        int spp = l.samplesInTile;
        int rowBytes = (int) (((long) tw * spp * l.bits + 7) / 8);
        long size = (long) rowBytes * th;
        if (size > Integer.MAX_VALUE - 16) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "Tile too large");
        }
        byte[] data;
        if (raw.length == 0) {
            data = new byte[(int) size];
        } else if (l.compression == TiffLayout.COMPRESSION_WEBP) {
            data = webp(raw, tw, th, spp, (int) size);
        } else {
            data = decompress(l.compression, raw, (int) size);
        }
        return unpack(l, data, tw, th, rowBytes, outW, outH);
    }

    private byte[] decompress(int compression, byte[] raw, int size) throws ImageException {
        switch (compression) {
            case 1:
                if (raw.length >= size) {
                    return raw;
                }
                throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: short tile");
            case 8:
            case 32946: {
                byte[] out = new byte[size];
                try {
                    codecs.inflate().decompress(raw, out);
                } catch (DataFormatException e) {
                    throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad deflate data", e);
                }
                return out;
            }
            case 5: {
                byte[] out = new byte[size];
                try {
                    int n = Lzw.decode(raw, out);
                    if (n < size) {
                        throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: short LZW tile");
                    }
                } catch (IllegalStateException e) {
                    throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: " + e.getMessage(), e);
                }
                return out;
            }
            case TiffLayout.COMPRESSION_ZSTD: {
                Zstd zstd = codecs.zstd();
                if (zstd == null) {
                    throw new ImageException(ImageException.Kind.UNSUPPORTED,
                            "Unsupported TIFF compression: Zstd (libzstd is not installed)");
                }
                byte[] out = new byte[size];
                try {
                    zstd.decompress(raw, out);
                } catch (IllegalArgumentException e) {
                    throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad Zstd data", e);
                }
                return out;
            }
            default:
                throw new ImageException(ImageException.Kind.UNSUPPORTED, "Unsupported TIFF compression");
        }
    }

    /** A WebP tile (a whole WebP file of the full tile size, as libtiff writes) as RGB or RGBA bytes. */
    private byte[] webp(byte[] raw, int tw, int th, int spp, int size) throws ImageException {
        WebpDecoder webp = codecs.webp();
        if (webp == null) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED,
                    "Unsupported TIFF compression: WebP (libwebp is not installed)");
        }
        byte[] out = new byte[size];
        try {
            webp.decode(raw, tw, th, spp, out);
        } catch (IllegalArgumentException e) {
            throw new ImageException(ImageException.Kind.CORRUPT, "TIFF error: bad WebP tile", e);
        }
        return out;
    }

    /** Turns decompressed bytes of a full stored tile into a cropped pixel block. */
    private PixelBlock unpack(TiffLevel l, byte[] data, int tw, int th, int rowBytes, int outW, int outH)
            throws ImageException {
        int spp = l.samplesInTile;
        int bits = l.bits;
        boolean minIsWhite = l.photometric == TiffLayout.PHOTO_MINISWHITE;
        if (l.palette != null) {
            return expandPalette(l, data, tw, th, rowBytes, outW, outH);
        }
        if (bits == 8) {
            if (l.predictor == 2) {
                undoBytePredictor(data, tw, th, spp, rowBytes);
            }
            byte[] out = cropBytes(data, tw, th, spp, outW, outH);
            if (minIsWhite) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (byte) ~out[i];
                }
            }
            return new PixelBlock(outW, outH, spp, 8, l.sampleType == SampleType.FLOAT ? SampleType.UNSIGNED_INT
                    : l.sampleType, out);
        }
        if (bits == 16) {
            int n = tw * th * spp;
            short[] s = new short[n];
            ByteBuffer.wrap(data).order(bigEndian ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN)
                    .asShortBuffer().get(s, 0, n);
            if (l.predictor == 2) {
                int rowLen = tw * spp;
                for (int y = 0; y < th; y++) {
                    int base = y * rowLen;
                    int end = base + rowLen;
                    for (int i = base + spp; i < end; i++) {
                        s[i] += s[i - spp];
                    }
                }
            }
            if (minIsWhite) {
                for (int i = 0; i < n; i++) {
                    s[i] = (short) ~s[i];
                }
            }
            short[] out = (short[]) crop(s, tw, th, spp, outW, outH);
            return new PixelBlock(outW, outH, spp, 16, l.sampleType, out);
        }
        if (bits == 32) {
            int n = tw * th * spp;
            int[] v = new int[n];
            if (l.predictor == 3) {
                if (l.sampleType != SampleType.FLOAT) {
                    throw new ImageException(ImageException.Kind.UNSUPPORTED, "Predictor 3 needs float samples");
                }
                int rowLen = tw * spp;
                int rowB = rowLen * 4;
                for (int y = 0; y < th; y++) {
                    int base = y * rowB;
                    int end = base + rowB;
                    for (int i = base + spp; i < end; i++) {
                        data[i] += data[i - spp];
                    }
                    int o = y * rowLen;
                    for (int i = 0; i < rowLen; i++) {
                        v[o + i] = (data[base + i] & 0xff) << 24 | (data[base + rowLen + i] & 0xff) << 16
                                | (data[base + 2 * rowLen + i] & 0xff) << 8 | (data[base + 3 * rowLen + i] & 0xff);
                    }
                }
            } else {
                ByteBuffer.wrap(data).order(bigEndian ? java.nio.ByteOrder.BIG_ENDIAN
                        : java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v, 0, n);
                if (l.predictor == 2) {
                    int rowLen = tw * spp;
                    for (int y = 0; y < th; y++) {
                        int base = y * rowLen;
                        int end = base + rowLen;
                        for (int i = base + spp; i < end; i++) {
                            v[i] += v[i - spp];
                        }
                    }
                }
            }
            if (l.sampleType == SampleType.FLOAT) {
                float[] out = new float[outW * outH * spp];
                int rowLen = outW * spp;
                for (int y = 0; y < outH; y++) {
                    int src = y * tw * spp;
                    int dst = y * rowLen;
                    for (int i = 0; i < rowLen; i++) {
                        out[dst + i] = Float.intBitsToFloat(v[src + i]);
                    }
                }
                return new PixelBlock(outW, outH, spp, 32, SampleType.FLOAT, out);
            }
            if (minIsWhite) {
                for (int i = 0; i < n; i++) {
                    v[i] = ~v[i];
                }
            }
            int[] out = (int[]) crop(v, tw, th, spp, outW, outH);
            return new PixelBlock(outW, outH, spp, 32, l.sampleType, out);
        }
        // Odd depths: 1, 2, 4, 6 bit (one channel, or several for 1 bit) to 8 bit; 9 to 15 bit to 16 bit.
        int n = outW * outH * spp;
        int maxIn = (1 << bits) - 1;
        if (bits < 8) {
            byte[] out = new byte[n];
            int o = 0;
            for (int y = 0; y < outH; y++) {
                long bitPos = (long) y * rowBytes * 8;
                for (int i = 0; i < outW * spp; i++) {
                    int v = readBits(data, bitPos, bits);
                    bitPos += bits;
                    if (minIsWhite) {
                        v = maxIn - v;
                    }
                    out[o++] = (byte) (v * 255 / maxIn);
                }
            }
            return new PixelBlock(outW, outH, spp, 8, SampleType.UNSIGNED_INT, out);
        }
        short[] out = new short[n];
        int o = 0;
        for (int y = 0; y < outH; y++) {
            long bitPos = (long) y * rowBytes * 8;
            for (int i = 0; i < outW * spp; i++) {
                int v = readBits(data, bitPos, bits);
                bitPos += bits;
                if (minIsWhite) {
                    v = maxIn - v;
                }
                // bit replication to 16 bits
                int r = v << (16 - bits) | v >>> (2 * bits - 16);
                out[o++] = (short) r;
            }
        }
        return new PixelBlock(outW, outH, spp, 16, SampleType.UNSIGNED_INT, out);
    }

    /** The indices of a palette tile (1 to 8 bits) looked up as 8-bit RGB. */
    private static PixelBlock expandPalette(TiffLevel l, byte[] data, int tw, int th, int rowBytes, int outW,
            int outH) {
        if (l.bits == 8 && l.predictor == 2) {
            undoBytePredictor(data, tw, th, 1, rowBytes);
        }
        byte[] lut = l.palette;
        byte[] out = new byte[outW * outH * 3];
        int o = 0;
        for (int y = 0; y < outH; y++) {
            long bitPos = (long) y * rowBytes * 8;
            for (int x = 0; x < outW; x++) {
                int index = l.bits == 8 ? data[y * rowBytes + x] & 0xff : readBits(data, bitPos, l.bits);
                bitPos += l.bits;
                out[o++] = lut[3 * index];
                out[o++] = lut[3 * index + 1];
                out[o++] = lut[3 * index + 2];
            }
        }
        return PixelBlock.ofBytes(outW, outH, 3, out);
    }

    private static int readBits(byte[] data, long bitPos, int bits) {
        int v = 0;
        for (int k = 0; k < bits; k++) {
            long p = bitPos + k;
            int b = (data[(int) (p >>> 3)] >>> (7 - (int) (p & 7))) & 1;
            v = v << 1 | b;
        }
        return v;
    }

    /**
     * Horizontal differencing of 8-bit samples undone in place. RGB keeps one running sum per channel
     * in a register rather than re-reading the previous pixel: three times faster than the plain loop.
     */
    static void undoBytePredictor(byte[] data, int tw, int th, int spp, int rowBytes) {
        for (int y = 0; y < th; y++) {
            int base = y * rowBytes;
            int end = base + tw * spp;
            if (spp == 3) {
                byte r = data[base];
                byte g = data[base + 1];
                byte b = data[base + 2];
                for (int i = base + 3; i < end; i += 3) {
                    r += data[i];
                    g += data[i + 1];
                    b += data[i + 2];
                    data[i] = r;
                    data[i + 1] = g;
                    data[i + 2] = b;
                }
            } else if (spp == 1) {
                byte v = data[base];
                for (int i = base + 1; i < end; i++) {
                    v += data[i];
                    data[i] = v;
                }
            } else {
                for (int i = base + spp; i < end; i++) {
                    data[i] += data[i - spp];
                }
            }
        }
    }

    static byte[] cropBytes(byte[] data, int tw, int th, int spp, int outW, int outH) {
        int n = outW * outH * spp;
        if (outW == tw && data.length == n) {
            return data;
        }
        if (outW == tw) {
            return java.util.Arrays.copyOf(data, n);
        }
        byte[] out = new byte[n];
        int run = outW * spp;
        int stride = tw * spp;
        for (int y = 0; y < outH; y++) {
            System.arraycopy(data, y * stride, out, y * run, run);
        }
        return out;
    }

    private static Object crop(Object data, int tw, int th, int spp, int outW, int outH) {
        if (outW == tw && outH == th) {
            return data;
        }
        int n = outW * outH * spp;
        Object out = Array.newInstance(data.getClass().getComponentType(), n);
        int run = outW * spp;
        int stride = tw * spp;
        if (outW == tw) {
            System.arraycopy(data, 0, out, 0, n);
            return out;
        }
        for (int y = 0; y < outH; y++) {
            System.arraycopy(data, y * stride, out, y * run, run);
        }
        return out;
    }
}
