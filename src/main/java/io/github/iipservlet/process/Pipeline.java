package io.github.iipservlet.process;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;

/**
 * iipsrv's pixel pipeline (spec 5.2 steps 3-11): turns raw samples into an 8-bit interleaved block
 * ready for an encoder.
 *
 * <p>Fast paths: 8-bit data without processing never touches floating point; with no processing, no
 * resize and no channel change the input block itself is returned (no copy). Other steps allocate
 * one output array each; in-place work is only done on arrays this class allocated, so the caller's
 * block is never modified.
 *
 * <p>Not implemented here (extension points are marked in {@link #floatPath}): hill-shading (SHD),
 * colour twist (CTW), convolution (CNV) and the watermark.
 */
public final class Pipeline {

    private static final double LN256 = Math.log(256.0);

    private Pipeline() {
    }

    /**
     * Runs the pipeline.
     *
     * @param raw         samples as read (8/16/32-bit integer or float, 1..n channels, CIELAB as stored)
     * @param info        the image (colour space, per-channel min/max)
     * @param p           processing; null means {@link Processing#NONE}
     * @param outWidth    output width before rotation; {@code <= 0} means no resize (tiles)
     * @param outHeight   output height before rotation; {@code <= 0} means no resize
     * @param bilinear    iipsrv's bilinear interpolation, else nearest neighbour
     * @param maxChannels channels the encoder accepts; trailing channels are dropped. {@code 3}
     *                    means JPEG rules: 2 channels also become 1.
     * @param histogram   the image histogram ({@link Histogram#of}); needed for stretch, bitonal and
     *                    equalisation. If null it is computed from the block being processed.
     * @return an 8-bit block (possibly {@code raw} itself)
     */
    public static PixelBlock render(PixelBlock raw, ImageInfo info, Processing p, int outWidth, int outHeight,
            boolean bilinear, int maxChannels, int[] histogram) {
        Processing proc = p == null ? Processing.NONE : p;
        int w = raw.width;
        int h = raw.height;
        int ch;
        byte[] px;

        // Steps 3-4: CIELAB conversion, float processing or fast reduction to 8 bit.
        boolean lab = info.colourSpace == ColourSpace.CIELAB;
        if (lab || raw.sampleType == SampleType.FLOAT || proc.needsFloat()) {
            float contrast = proc.contrast();
            double[][] minMax = minMax(raw, info, proc, lab, histogram);
            if (contrast == Processing.STRETCH) {
                contrast = 1f;
            }
            ch = (lab || proc.colormap() != Processing.Colormap.NONE) ? 3 : raw.channels;
            px = floatPath(raw, lab, minMax[0], minMax[1], proc, contrast);
        } else if (raw.data instanceof byte[] b) {
            px = b;
            ch = raw.channels;
        } else {
            px = reduce(raw);
            ch = raw.channels;
        }
        boolean owned = px != raw.data;

        // Step 6 (done before the resize: dropping channels commutes with it and saves work).
        int keep = Math.min(ch, Math.max(1, maxChannels));
        if (maxChannels == 3 && keep == 2) {
            keep = 1;
        }
        if (keep != ch) {
            px = dropChannels(px, w * h, ch, keep);
            ch = keep;
            owned = true;
        }

        // Step 5: resize.
        if (outWidth > 0 && outHeight > 0 && (outWidth != w || outHeight != h)) {
            px = bilinear ? Resampler.bilinear(px, w, h, ch, outWidth, outHeight)
                    : Resampler.nearest(px, w, h, ch, outWidth, outHeight);
            w = outWidth;
            h = outHeight;
            owned = true;
        }

        // Step 7: greyscale (8-bit 3-channel sRGB only).
        if (proc.colour() == Processing.Colour.GREY && ch == 3
                && (info.colourSpace == ColourSpace.SRGB || info.colourSpace == ColourSpace.CIELAB)) {
            px = greyscale(px, w * h);
            ch = 1;
            owned = true;
        }

        // Step 8: bitonal.
        if (proc.colour() == Processing.Colour.BITONAL && info.colourSpace != ColourSpace.BINARY) {
            int t = Histogram.otsu(histogram != null ? histogram : Histogram.ofEightBit(px, w * h, ch));
            if (ch == 3) {
                px = greyscale(px, w * h);
                ch = 1;
                owned = true;
            }
            byte[] dst = owned ? px : new byte[w * h * ch];
            threshold(px, dst, w * h * ch, t);
            px = dst;
            owned = true;
        }

        // Step 9: equalisation.
        if (proc.equalise()) {
            int[] hist = histogram != null ? histogram : Histogram.ofEightBit(px, w * h, ch);
            byte[] dst = owned ? px : new byte[w * h * ch];
            applyLut(px, dst, w * h * ch, equalisationLut(hist, (long) w * h));
            px = dst;
            owned = true;
        }

        // Step 10: mirror.
        if (proc.flip() == 1 || proc.flip() == 2) {
            if (!owned) {
                px = px.clone();
                owned = true;
            }
            if (proc.flip() == 1) {
                flipHorizontal(px, w, h, ch);
            } else {
                flipVertical(px, w, h, ch);
            }
        }

        // Step 11: rotation.
        int rot = proc.rotationDegrees();
        if (rot == 90 || rot == 180 || rot == 270) {
            px = rotate(px, w, h, ch, rot);
            if (rot != 180) {
                int t = w;
                w = h;
                h = t;
            }
            owned = true;
        }

        if (!owned && raw.isEightBit()) {
            return raw;
        }
        return PixelBlock.ofBytes(w, h, ch, px);
    }

    // ---------------------------------------------------------------------------------------------
    // Step 4: float path

    /** Per-channel {min[], max[]} of the working channels after step 4a. */
    static double[][] minMax(PixelBlock raw, ImageInfo info, Processing proc, boolean lab, int[] histogram) {
        int ch = lab ? 3 : raw.channels;
        double[] min = new double[ch];
        double[] max = new double[ch];
        for (int c = 0; c < ch; c++) {
            if (lab) {
                min[c] = 0;
                max[c] = 1;
                continue;
            }
            int ic = Math.min(c, info.channels - 1);
            min[c] = info.minValue(ic);
            max[c] = info.maxValue(ic);
            double[] mo = proc.minOverride();
            double[] xo = proc.maxOverride();
            if (mo != null && c < mo.length && !Double.isNaN(mo[c])) {
                min[c] = mo[c];
            }
            if (xo != null && c < xo.length && !Double.isNaN(xo[c])) {
                max[c] = xo[c];
            }
        }
        if (proc.contrast() == Processing.STRETCH) {
            int[] hist = histogram != null ? histogram : Histogram.of(raw, info);
            int n0 = 0;
            while (n0 < 255 && hist[n0] == 0) {
                n0++;
            }
            int n1 = 255;
            while (n1 > 0 && hist[n1] == 0) {
                n1--;
            }
            double lo = n0;
            double hi = n1;
            if (!lab && raw.sampleType != SampleType.FLOAT && raw.bitsPerSample > 8) {
                int shift = raw.bitsPerSample - 8;
                lo = (double) ((long) n0 << shift);
                hi = (double) ((long) n1 << shift);
            }
            java.util.Arrays.fill(min, lo);
            java.util.Arrays.fill(max, hi);
        }
        return new double[][] {min, max};
    }

    /**
     * Normalise, gamma/log, invert, colormap, contrast and quantise, one row at a time through a
     * float row buffer (no full-frame float image).
     *
     * <p>Extension points, in iipsrv's order, operating on the normalised row buffer: hill-shading
     * (SHD, 3 channels in, 1 out) and colour twist (CTW, n in, rows out) go right after
     * {@link #loadRow}; convolution (CNV) needs neighbouring rows, so it would switch this method to
     * a full-frame float buffer and run after the colormap.
     */
    static byte[] floatPath(PixelBlock raw, boolean lab, double[] min, double[] max, Processing proc,
            float contrast) {
        int w = raw.width;
        int h = raw.height;
        int ch = lab ? 3 : raw.channels;
        boolean cmap = proc.colormap() != Processing.Colormap.NONE;
        int outCh = cmap ? 3 : ch;
        // single precision like iipsrv: min as float, reciprocal of the float range
        float[] minF = new float[ch];
        float[] mul = new float[ch];
        for (int c = 0; c < ch; c++) {
            minF[c] = (float) min[c];
            float range = (float) max[c] - minF[c];
            mul[c] = Math.abs(range) > 1e-30 ? (float) (1.0 / range) : 1e30f;
        }
        float gamma = proc.gamma();
        boolean invert = proc.invert();
        double scale = 255.0 * contrast;
        if (!lab && raw.sampleType != SampleType.FLOAT
                && (raw.data instanceof byte[] || (raw.data instanceof short[] && (long) w * h >= 65536))) {
            return lookupPath(raw, minF, mul, gamma, invert, proc.colormap(), scale);
        }
        float[] row = new float[w * ch];
        float[] rgb = new float[3];
        byte[] out = new byte[w * h * outCh];
        int n = w * ch;
        for (int y = 0; y < h; y++) {
            loadRow(raw, lab, y, row, minF, mul);
            // SHD / CTW would go here (and disable the lookup path).
            gammaInvert(row, n, gamma, invert);
            int o = y * w * outCh;
            if (cmap) {
                Processing.Colormap m = proc.colormap();
                for (int x = 0; x < w; x++) {
                    colormap(m, row[x * ch], rgb);
                    out[o++] = quantise(rgb[0], scale);
                    out[o++] = quantise(rgb[1], scale);
                    out[o++] = quantise(rgb[2], scale);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    out[o++] = quantise(row[i], scale);
                }
            }
        }
        return out;
    }

    /** Gamma or log, then inversion, in place. */
    private static void gammaInvert(float[] row, int n, float gamma, boolean invert) {
        if (gamma == Processing.LOG) {
            for (int i = 0; i < n; i++) {
                row[i] = (float) (Math.log(1.0 + 255.0 * row[i]) / LN256);
            }
        } else if (gamma != 1f) {
            for (int i = 0; i < n; i++) {
                row[i] = (float) Math.pow(row[i] < 0f ? 0f : row[i], gamma);
            }
        }
        if (invert) {
            for (int i = 0; i < n; i++) {
                row[i] = 1f - row[i];
            }
        }
    }

    /**
     * 8-bit (and large 16-bit) integer data: every per-sample step is a function of the sample
     * value, so the chain runs once per possible value and channel (same arithmetic, same results)
     * and the pixels go through a table.
     */
    private static byte[] lookupPath(PixelBlock raw, float[] minF, float[] mul, float gamma, boolean invert,
            Processing.Colormap cmap, double scale) {
        int ch = raw.channels;
        boolean bytes = raw.data instanceof byte[];
        boolean signed = raw.sampleType == SampleType.SIGNED_INT;
        int size = bytes ? 256 : 65536;
        int pixels = raw.width * raw.height;
        float[] vals = new float[size];
        byte[] out;
        if (cmap != Processing.Colormap.NONE) {
            // colormap of channel 0 only: one table of 3 bytes per value
            tableValues(vals, size, bytes, signed, minF[0], mul[0]);
            gammaInvert(vals, size, gamma, invert);
            byte[] lut = new byte[size * 3];
            float[] rgb = new float[3];
            for (int v = 0; v < size; v++) {
                colormap(cmap, vals[v], rgb);
                lut[v * 3] = quantise(rgb[0], scale);
                lut[v * 3 + 1] = quantise(rgb[1], scale);
                lut[v * 3 + 2] = quantise(rgb[2], scale);
            }
            out = new byte[pixels * 3];
            int mask = size - 1;
            for (int p = 0, s = 0, o = 0; p < pixels; p++, s += ch, o += 3) {
                int k = (bytes ? ((byte[]) raw.data)[s] : ((short[]) raw.data)[s]) & mask;
                out[o] = lut[k * 3];
                out[o + 1] = lut[k * 3 + 1];
                out[o + 2] = lut[k * 3 + 2];
            }
            return out;
        }
        byte[][] luts = new byte[ch][];
        for (int c = 0; c < ch; c++) {
            boolean same = false;
            for (int e = 0; e < c && !same; e++) {
                if (minF[e] == minF[c] && mul[e] == mul[c]) {
                    luts[c] = luts[e];
                    same = true;
                }
            }
            if (same) {
                continue;
            }
            tableValues(vals, size, bytes, signed, minF[c], mul[c]);
            gammaInvert(vals, size, gamma, invert);
            byte[] lut = new byte[size];
            for (int v = 0; v < size; v++) {
                lut[v] = quantise(vals[v], scale);
            }
            luts[c] = lut;
        }
        int n = pixels * ch;
        out = new byte[n];
        if (bytes) {
            byte[] d = (byte[]) raw.data;
            if (ch == 1) {
                byte[] l = luts[0];
                for (int i = 0; i < n; i++) {
                    out[i] = l[d[i] & 0xff];
                }
            } else {
                for (int i = 0, c = 0; i < n; i++) {
                    out[i] = luts[c][d[i] & 0xff];
                    if (++c == ch) {
                        c = 0;
                    }
                }
            }
        } else {
            short[] d = (short[]) raw.data;
            for (int i = 0, c = 0; i < n; i++) {
                out[i] = luts[c][d[i] & 0xffff];
                if (++c == ch) {
                    c = 0;
                }
            }
        }
        return out;
    }

    /** Normalised value of every table index, with the same arithmetic as {@link #loadRow}. */
    private static void tableValues(float[] vals, int size, boolean bytes, boolean signed, float min, float mul) {
        for (int k = 0; k < size; k++) {
            int v = signed ? (bytes ? (byte) k : (short) k) : k;
            vals[k] = (v - min) * mul;
        }
    }

    /** clamp(v * 255.0 * contrast, 0, 255) truncated toward zero (double, as iipsrv); NaN gives 0. */
    static byte quantise(float v, double scale) {
        double s = v * scale;
        if (!(s > 0.0)) {
            return 0;
        }
        return s >= 255.0 ? (byte) 255 : (byte) (int) s;
    }

    /** Loads row y as normalised floats (CIELAB: converted to sRGB 0..1). */
    private static void loadRow(PixelBlock raw, boolean lab, int y, float[] row, float[] min, float[] mul) {
        int w = raw.width;
        int rc = raw.channels;
        int base = y * w * rc;
        if (lab) {
            for (int x = 0, s = base; x < w; x++, s += rc) {
                double l;
                double a;
                double b;
                if (raw.data instanceof byte[] d) {
                    l = (d[s] & 0xff) / 2.55;
                    a = d[s + 1];
                    b = d[s + 2];
                } else if (raw.data instanceof short[] d) {
                    l = ((d[s] & 0xffff) >> 1) / 327.67;
                    a = d[s + 1] >> 8;
                    b = d[s + 2] >> 8;
                } else {
                    l = raw.sample(s);
                    a = raw.sample(s + 1);
                    b = raw.sample(s + 2);
                }
                labToSrgb(l, a, b, row, x * 3);
            }
            return;
        }
        int n = w * rc;
        boolean signed = raw.sampleType == SampleType.SIGNED_INT;
        if (raw.data instanceof byte[] d) {
            for (int i = 0, c = 0; i < n; i++) {
                int v = signed ? d[base + i] : d[base + i] & 0xff;
                row[i] = (v - min[c]) * mul[c];
                if (++c == rc) {
                    c = 0;
                }
            }
        } else if (raw.data instanceof short[] d) {
            for (int i = 0, c = 0; i < n; i++) {
                int v = signed ? d[base + i] : d[base + i] & 0xffff;
                row[i] = (v - min[c]) * mul[c];
                if (++c == rc) {
                    c = 0;
                }
            }
        } else if (raw.data instanceof int[] d) {
            for (int i = 0, c = 0; i < n; i++) {
                float v = signed ? (float) d[base + i] : (float) Integer.toUnsignedLong(d[base + i]);
                row[i] = (v - min[c]) * mul[c];
                if (++c == rc) {
                    c = 0;
                }
            }
        } else {
            float[] d = (float[]) raw.data;
            for (int i = 0, c = 0; i < n; i++) {
                float v = d[base + i];
                row[i] = Float.isFinite(v) ? (v - min[c]) * mul[c] : 0f;
                if (++c == rc) {
                    c = 0;
                }
            }
        }
    }

    /** CIELAB (D65) to sRGB in 0..1 as iipsrv computes it (spec 5.3). */
    static void labToSrgb(double l, double a, double b, float[] out, int off) {
        double fy = (l + 16.0) / 116.0;
        double fx = a / 500.0 + fy;
        double fz = fy - b / 200.0;
        double yr = l > 8.0 ? fy * fy * fy : l / 903.3;
        double xr = fx > 0.2069 ? fx * fx * fx : (fx - 16.0 / 116.0) / 7.787;
        double zr = fz > 0.2069 ? fz * fz * fz : (fz - 16.0 / 116.0) / 7.787;
        double x = xr * 0.95047;
        double yy = yr;
        double z = zr * 1.088827;
        double r = 3.2406255 * x - 1.537208 * yy - 0.4986286 * z;
        double g = -0.9689307 * x + 1.8757561 * yy + 0.0415175 * z;
        double bl = 0.0557101 * x - 0.2040211 * yy + 1.0569959 * z;
        out[off] = srgbGamma(r);
        out[off + 1] = srgbGamma(g);
        out[off + 2] = srgbGamma(bl);
    }

    private static float srgbGamma(double v) {
        if (!(v > 0)) {
            return 0f;
        }
        double s = v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1.0 / 2.4) - 0.055;
        return (float) Math.min(s, 1.0);
    }

    /** iipsrv's colormaps of a normalised value (spec 5.3). */
    static void colormap(Processing.Colormap m, float v, float[] rgb) {
        float r = 0;
        float g = 0;
        float b = 0;
        switch (m) {
            case HOT -> {
                if (v > 1f) {
                    r = g = b = 1f;
                } else if (v <= 0f) {
                    // black
                } else if (v < 1f / 3f) {
                    r = 3f * v;
                } else if (v < 2f / 3f) {
                    r = 1f;
                    g = 3f * v - 1f;
                } else if (v < 1f) {
                    r = g = 1f;
                    b = 3f * v - 2f;
                } else {
                    r = g = b = 1f;
                }
            }
            case COLD -> {
                if (v > 1f) {
                    r = g = b = 1f;
                } else if (v <= 0f) {
                    // black
                } else if (v < 1f / 3f) {
                    b = 3f * v;
                } else if (v < 2f / 3f) {
                    g = 3f * v - 1f;
                    b = 1f;
                } else if (v < 1f) {
                    r = 3f * v - 2f;
                    g = b = 1f;
                } else {
                    r = g = b = 1f;
                }
            }
            case JET -> {
                if (v < 0f) {
                    // black
                } else if (v < 0.125f) {
                    b = 4f * v + 0.5f;
                } else if (v < 0.375f) {
                    g = 4f * v - 0.5f;
                    b = 1f;
                } else if (v < 0.625f) {
                    r = 4f * v - 1.5f;
                    g = 1f;
                    b = 2.5f - 4f * v;
                } else if (v < 0.875f) {
                    r = 1f;
                    g = 3.5f - 4f * v;
                } else if (v < 1f) {
                    r = 4.5f - 4f * v;
                } else {
                    r = 0.5f;
                }
            }
            case RED -> r = v;
            case GREEN -> g = v;
            case BLUE -> b = v;
            default -> r = g = b = v;
        }
        rgb[0] = r;
        rgb[1] = g;
        rgb[2] = b;
    }

    // ---------------------------------------------------------------------------------------------
    // Step 4 (else): fast reduction to 8 bit

    /** 16-bit: v >> 8; 32-bit integer: bits 16-23 (iipsrv's quirk). */
    static byte[] reduce(PixelBlock raw) {
        int n = raw.width * raw.height * raw.channels;
        byte[] out = new byte[n];
        if (raw.data instanceof short[] s) {
            for (int i = 0; i < n; i++) {
                out[i] = (byte) (s[i] >>> 8);
            }
        } else if (raw.data instanceof int[] d) {
            for (int i = 0; i < n; i++) {
                out[i] = (byte) (d[i] >>> 16);
            }
        } else {
            throw new IllegalArgumentException("cannot reduce " + raw.data.getClass().getSimpleName());
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // 8-bit steps

    static byte[] dropChannels(byte[] in, int pixels, int ch, int keep) {
        byte[] out = new byte[pixels * keep];
        if (keep == 1) {
            for (int p = 0, s = 0; p < pixels; p++, s += ch) {
                out[p] = in[s];
            }
        } else {
            for (int p = 0, s = 0, o = 0; p < pixels; p++, s += ch, o += keep) {
                System.arraycopy(in, s, out, o, keep);
            }
        }
        return out;
    }

    /** Y = (1254097 R + 2462056 G + 478151 B) >> 22. */
    static byte[] greyscale(byte[] rgb, int pixels) {
        byte[] out = new byte[pixels];
        for (int p = 0, s = 0; p < pixels; p++, s += 3) {
            out[p] = (byte) ((1254097 * (rgb[s] & 0xff) + 2462056 * (rgb[s + 1] & 0xff)
                    + 478151 * (rgb[s + 2] & 0xff)) >> 22);
        }
        return out;
    }

    static void threshold(byte[] src, byte[] dst, int n, int t) {
        for (int i = 0; i < n; i++) {
            dst[i] = (src[i] & 0xff) < t ? 0 : (byte) 255;
        }
    }

    /** lut[i] = round(255 / cdf[255] * (cdf[i] - cdf[n0] / pixels)), n0 = first non-zero bin. */
    static int[] equalisationLut(int[] hist, long pixels) {
        double[] cdf = new double[256];
        double acc = 0;
        int n0 = -1;
        for (int i = 0; i < 256; i++) {
            acc += hist[i];
            cdf[i] = acc;
            if (n0 < 0 && hist[i] != 0) {
                n0 = i;
            }
        }
        int[] lut = new int[256];
        if (n0 < 0) {
            for (int i = 0; i < 256; i++) {
                lut[i] = i;
            }
            return lut;
        }
        double scale = 255.0 / cdf[255];
        double cdfmin = cdf[n0] / pixels;
        for (int i = 0; i < 256; i++) {
            lut[i] = (int) Math.max(0, Math.min(255, Math.round(scale * (cdf[i] - cdfmin))));
        }
        return lut;
    }

    static void applyLut(byte[] src, byte[] dst, int n, int[] lut) {
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            b[i] = (byte) lut[i];
        }
        for (int i = 0; i < n; i++) {
            dst[i] = b[src[i] & 0xff];
        }
    }

    static void flipHorizontal(byte[] px, int w, int h, int ch) {
        for (int y = 0; y < h; y++) {
            int l = y * w * ch;
            int r = l + (w - 1) * ch;
            while (l < r) {
                for (int k = 0; k < ch; k++) {
                    byte t = px[l + k];
                    px[l + k] = px[r + k];
                    px[r + k] = t;
                }
                l += ch;
                r -= ch;
            }
        }
    }

    static void flipVertical(byte[] px, int w, int h, int ch) {
        int rowLen = w * ch;
        byte[] tmp = new byte[rowLen];
        for (int top = 0, bottom = h - 1; top < bottom; top++, bottom--) {
            System.arraycopy(px, top * rowLen, tmp, 0, rowLen);
            System.arraycopy(px, bottom * rowLen, px, top * rowLen, rowLen);
            System.arraycopy(tmp, 0, px, bottom * rowLen, rowLen);
        }
    }

    /** Clockwise rotation by 90, 180 or 270 degrees into a new array. */
    static byte[] rotate(byte[] in, int w, int h, int ch, int degrees) {
        byte[] out = new byte[w * h * ch];
        if (degrees == 180) {
            int n = w * h;
            for (int p = 0, s = 0, o = (n - 1) * ch; p < n; p++, s += ch, o -= ch) {
                for (int k = 0; k < ch; k++) {
                    out[o + k] = in[s + k];
                }
            }
            return out;
        }
        // output is h wide and w high
        for (int y = 0; y < h; y++) {
            int s = y * w * ch;
            for (int x = 0; x < w; x++, s += ch) {
                // 90 cw: (x, y) -> (h-1-y, x); 270 cw: (x, y) -> (y, w-1-x)
                int ox = degrees == 90 ? h - 1 - y : y;
                int oy = degrees == 90 ? x : w - 1 - x;
                int o = (oy * h + ox) * ch;
                for (int k = 0; k < ch; k++) {
                    out[o + k] = in[s + k];
                }
            }
        }
        return out;
    }
}
