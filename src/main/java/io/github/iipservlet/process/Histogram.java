package io.github.iipservlet.process;

import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.PixelBlock;

/**
 * The 256-bin image histogram iipsrv uses for contrast stretch, bitonal output and equalisation
 * (docs/protocols.md 5.2 step 1): computed once per image from the smallest level, over all channels, binning
 * the rounded per-pixel channel mean of the 8-bit samples.
 */
public final class Histogram {

    private Histogram() {
    }

    /**
     * Histogram of a block (normally the whole smallest pyramid level). Non-8-bit samples are first
     * converted to 8 bit by normalising with the image's per-channel min/max and multiplying by 255.
     */
    public static int[] of(PixelBlock smallest, ImageInfo info) {
        int[] hist = new int[256];
        int ch = smallest.channels;
        int pixels = smallest.width * smallest.height;
        if (smallest.data instanceof byte[] b) {
            for (int p = 0, i = 0; p < pixels; p++) {
                int sum = 0;
                for (int c = 0; c < ch; c++) {
                    sum += b[i++] & 0xff;
                }
                hist[ch == 1 ? sum : (int) Math.round((double) sum / ch)]++;
            }
            return hist;
        }
        double[] min = new double[ch];
        double[] mul = new double[ch];
        for (int c = 0; c < ch; c++) {
            int ic = Math.min(c, info.channels - 1);
            min[c] = info.minValue(ic);
            double range = info.maxValue(ic) - min[c];
            mul[c] = Math.abs(range) <= 1e-30 ? 1e30 * 255 : 255.0 / range;
        }
        for (int p = 0, i = 0; p < pixels; p++) {
            double sum = 0;
            for (int c = 0; c < ch; c++, i++) {
                double v = (smallest.sample(i) - min[c]) * mul[c];
                if (!(v > 0)) {
                    v = 0; // also NaN
                } else if (v > 255) {
                    v = 255;
                }
                sum += v;
            }
            hist[(int) Math.round(sum / ch)]++;
        }
        return hist;
    }

    /** Otsu threshold (between-class variance maximisation; ties keep the first maximum). */
    public static int otsu(int[] hist) {
        double sum = 0;
        double total = 0;
        for (int i = 0; i < 256; i++) {
            sum += (double) i * hist[i];
            total += hist[i];
        }
        double sumB = 0;
        double wB = 0;
        double best = 0;
        int threshold = 0;
        for (int i = 0; i < 256; i++) {
            wB += hist[i];
            if (wB == 0) {
                continue;
            }
            double wF = total - wB;
            if (wF == 0) {
                break;
            }
            sumB += (double) i * hist[i];
            double mB = sumB / wB;
            double mF = (sum - sumB) / wF;
            double between = wB * wF * (mB - mF) * (mB - mF);
            if (between > best) {
                best = between;
                threshold = i;
            }
        }
        return threshold;
    }

    /** Histogram of 8-bit samples (per-pixel channel mean), used when no image histogram was supplied. */
    static int[] ofEightBit(byte[] b, int pixels, int ch) {
        return of(PixelBlock.ofBytes(pixels, 1, ch, b), null);
    }
}
