package io.github.iipservlet.image.raster;

import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;

/**
 * One decoded level of a plain image (docs/protocols.md 9.6): interleaved samples, {@code byte[]}
 * for 8 bits or {@code short[]} for 16, row-major, no padding. Shared read-only once made (it
 * lives in the {@link RasterCache}).
 */
record Raster(int width, int height, int channels, Object data) {

    int bits() {
        return data instanceof short[] ? 16 : 8;
    }

    /** Heap bytes of the samples. */
    long bytes() {
        return (long) width * height * channels * (bits() / 8);
    }

    /** Heap bytes of a raster of this size. */
    static long bytes(int width, int height, int channels, int bits) {
        return (long) width * height * channels * (bits / 8);
    }

    /** A copy of a rectangle, as a block the pipeline takes. */
    PixelBlock crop(int x, int y, int w, int h) {
        int row = w * channels;
        Object out = data instanceof short[] ? new short[row * h] : new byte[row * h];
        for (int r = 0; r < h; r++) {
            System.arraycopy(data, ((y + r) * width + x) * channels, out, r * row, row);
        }
        return new PixelBlock(w, h, channels, bits(), SampleType.UNSIGNED_INT, out);
    }

    /**
     * The top-left {@code w x h} of this raster when it is larger (a DCT-scaled decode rounds its
     * size up, the pyramid's levels round down), else itself.
     */
    Raster cropTo(int w, int h) {
        if (w == width && h == height) {
            return this;
        }
        PixelBlock b = crop(0, 0, w, h);
        return new Raster(w, h, channels, b.data);
    }

    /**
     * This level halved to {@code w x h} (each at most half, rounded down, and at least 1): every
     * output pixel the mean of the 2x2 pixels it covers, rounded (a 1-pixel-wide or high source
     * gives the mean of 2, or the pixel itself).
     */
    Raster halve(int w, int h) {
        int ch = channels;
        boolean wide = data instanceof short[];
        Object out = wide ? new short[w * h * ch] : new byte[w * h * ch];
        for (int y = 0; y < h; y++) {
            int y0 = Math.min(2 * y, height - 1);
            int y1 = Math.min(2 * y + 1, height - 1);
            for (int x = 0; x < w; x++) {
                int x0 = Math.min(2 * x, width - 1);
                int x1 = Math.min(2 * x + 1, width - 1);
                for (int c = 0; c < ch; c++) {
                    int sum = sample(x0, y0, c) + sample(x1, y0, c) + sample(x0, y1, c) + sample(x1, y1, c);
                    int v = (sum + 2) >> 2;
                    int i = (y * w + x) * ch + c;
                    if (wide) {
                        ((short[]) out)[i] = (short) v;
                    } else {
                        ((byte[]) out)[i] = (byte) v;
                    }
                }
            }
        }
        return new Raster(w, h, ch, out);
    }

    private int sample(int x, int y, int c) {
        int i = (y * width + x) * channels + c;
        return data instanceof short[] s ? s[i] & 0xffff : ((byte[]) data)[i] & 0xff;
    }
}
