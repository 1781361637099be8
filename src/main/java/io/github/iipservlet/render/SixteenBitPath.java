package io.github.iipservlet.render;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.process.Processing;

/**
 * 16-bit output for encoders that keep 16-bit samples (PNG, TIFF): when the image is 16-bit
 * unsigned grey or RGB and the request asks for nothing but rotation, mirroring and resizing, the
 * samples are sent as stored instead of being cut to their top 8 bits. Anything that computes new
 * values (contrast, gamma, colormaps, greyscale, bitonal, equalisation, MINMAX) takes the 8-bit
 * pipeline as in iipsrv, whose pipeline always reduces to 8 bits.
 *
 * <p>The steps are the pipeline's for 8-bit data (docs/protocols.md 5.2 steps 5, 6, 10, 11) on {@code short}
 * samples: channel reduction, resize (iipsrv's nearest or bilinear, docs/protocols.md 5.4), mirror, rotate.
 */
final class SixteenBitPath {
    private SixteenBitPath() {
    }

    /** Whether this image and processing can be rendered at 16 bits. */
    static boolean applies(ImageInfo info, Processing processing) {
        Processing p = processing == null ? Processing.NONE : processing;
        return info.bitsPerSample == 16 && info.sampleType == SampleType.UNSIGNED_INT
                && (info.colourSpace == ColourSpace.SRGB || info.colourSpace == ColourSpace.GREYSCALE)
                && p.withRotation(0f, 0).isIdentity();
    }

    /**
     * Renders raw 16-bit samples.
     *
     * @param maxChannels channels the encoder accepts; more than that keeps 3 (docs/protocols.md 5.2 step 6)
     * @return a 16-bit block, or null when {@code raw} does not hold 16-bit samples
     */
    static PixelBlock render(PixelBlock raw, Processing processing, int outWidth, int outHeight, boolean bilinear,
            int maxChannels) {
        if (!(raw.data instanceof short[] samples) || raw.sampleType != SampleType.UNSIGNED_INT) {
            return null;
        }
        Processing p = processing == null ? Processing.NONE : processing;
        int w = raw.width;
        int h = raw.height;
        int ch = raw.channels;
        short[] px = samples;
        boolean owned = false;
        if (ch > maxChannels) {
            int keep = Math.min(3, maxChannels);
            short[] dst = new short[w * h * keep];
            for (int i = 0, s = 0, d = 0; i < w * h; i++, s += ch, d += keep) {
                System.arraycopy(px, s, dst, d, keep);
            }
            px = dst;
            ch = keep;
            owned = true;
        }
        if (outWidth > 0 && outHeight > 0 && (outWidth != w || outHeight != h)) {
            px = bilinear ? bilinear(px, w, h, ch, outWidth, outHeight) : nearest(px, w, h, ch, outWidth, outHeight);
            w = outWidth;
            h = outHeight;
            owned = true;
        }
        if (p.flip() == 1 || p.flip() == 2) {
            if (!owned) {
                px = px.clone();
                owned = true;
            }
            if (p.flip() == 1) {
                flipHorizontal(px, w, h, ch);
            } else {
                flipVertical(px, w, h, ch);
            }
        }
        int rot = p.rotationDegrees();
        if (rot == 90 || rot == 180 || rot == 270) {
            px = rotate(px, w, h, ch, rot);
            if (rot != 180) {
                int t = w;
                w = h;
                h = t;
            }
        }
        return new PixelBlock(w, h, ch, 16, SampleType.UNSIGNED_INT, px);
    }

    /** Nearest neighbour with single-precision scales, as the 8-bit resampler. */
    static short[] nearest(short[] in, int w, int h, int ch, int outW, int outH) {
        float xscale = (float) w / (float) outW;
        float yscale = (float) h / (float) outH;
        short[] out = new short[outW * outH * ch];
        for (int j = 0, o = 0; j < outH; j++) {
            int row = Math.min((int) Math.floor(j * yscale), h - 1) * w;
            for (int i = 0; i < outW; i++, o += ch) {
                int s = (row + Math.min((int) Math.floor(i * xscale), w - 1)) * ch;
                System.arraycopy(in, s, out, o, ch);
            }
        }
        return out;
    }

    /**
     * iipsrv's bilinear interpolation (docs/protocols.md 5.4), as the 8-bit resampler: not centre-aligned,
     * neighbours clamped to the last pixel of the buffer, result truncated.
     */
    static short[] bilinear(short[] in, int w, int h, int ch, int outW, int outH) {
        float xscale = (float) w / (float) outW;
        float yscale = (float) h / (float) outH;
        int max = (w * h - 1) * ch;
        int rowLen = w * ch;
        short[] out = new short[outW * outH * ch];
        int o = 0;
        for (int j = 0; j < outH; j++) {
            float jscale = j * yscale;
            int jj = (int) Math.floor(jscale);
            float c = (float) (jj + 1) - jscale;
            float d = jscale - (float) jj;
            for (int i = 0; i < outW; i++) {
                float iscale = i * xscale;
                int ii = (int) Math.floor(iscale);
                float a = (float) (ii + 1) - iscale;
                float b = iscale - (float) ii;
                int p11 = jj * rowLen + ii * ch;
                int q21 = Math.min(p11 + ch, max);
                int q12 = Math.min(p11 + rowLen, max);
                int q22 = Math.min(p11 + rowLen + ch, max);
                for (int k = 0; k < ch; k++) {
                    float tx = (in[p11 + k] & 0xffff) * a + (in[q21 + k] & 0xffff) * b;
                    float ty = (in[q12 + k] & 0xffff) * a + (in[q22 + k] & 0xffff) * b;
                    out[o++] = (short) (int) (c * tx + d * ty);
                }
            }
        }
        return out;
    }

    static void flipHorizontal(short[] px, int w, int h, int ch) {
        for (int y = 0; y < h; y++) {
            for (int l = y * w * ch, r = l + (w - 1) * ch; l < r; l += ch, r -= ch) {
                for (int k = 0; k < ch; k++) {
                    short t = px[l + k];
                    px[l + k] = px[r + k];
                    px[r + k] = t;
                }
            }
        }
    }

    static void flipVertical(short[] px, int w, int h, int ch) {
        int rowLen = w * ch;
        short[] tmp = new short[rowLen];
        for (int top = 0, bottom = h - 1; top < bottom; top++, bottom--) {
            System.arraycopy(px, top * rowLen, tmp, 0, rowLen);
            System.arraycopy(px, bottom * rowLen, px, top * rowLen, rowLen);
            System.arraycopy(tmp, 0, px, bottom * rowLen, rowLen);
        }
    }

    /** Clockwise rotation by 90, 180 or 270 degrees into a new array. */
    static short[] rotate(short[] in, int w, int h, int ch, int degrees) {
        short[] out = new short[w * h * ch];
        if (degrees == 180) {
            int n = w * h;
            for (int p = 0, s = 0, o = (n - 1) * ch; p < n; p++, s += ch, o -= ch) {
                System.arraycopy(in, s, out, o, ch);
            }
            return out;
        }
        for (int y = 0; y < h; y++) {
            int s = y * w * ch;
            for (int x = 0; x < w; x++, s += ch) {
                // 90 clockwise: (x, y) goes to (h-1-y, x); 270: to (y, w-1-x). The output is h wide.
                int ox = degrees == 90 ? h - 1 - y : y;
                int oy = degrees == 90 ? x : w - 1 - x;
                System.arraycopy(in, s, out, (oy * h + ox) * ch, ch);
            }
        }
        return out;
    }
}
