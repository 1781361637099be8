package io.github.iipservlet.process;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import java.util.Arrays;

/**
 * docs/protocols.md 5.2 step 4 for one render, in iipsrv's order: normalise, hill-shading, colour twist,
 * gamma or log, invert, colormap, convolution, contrast and quantisation to 8 bit. Built once per
 * render, then used by several threads on bands of rows: after construction its only mutable
 * state is the lazily built lookup table, published safely, and each thread writes only into its
 * own {@link Rows}. The arrays it keeps are its own copies ({@link Processing} hands out copies).
 *
 * <p>Everything up to the colormap works on one row at a time. Two steps need neighbouring rows:
 * convolution, and hill-shading of a one- or two-channel image (a height field, see
 * {@link #heightShade}); for those the caller keeps the rows before that step in a float frame
 * ({@link Pipeline}).
 *
 * <p>Only the channels that survive the encoder's channel reduction (docs/protocols.md 5.2 step 6: trailing
 * channels dropped) are computed past the colormap and written out, so a colour twist with many
 * rows costs no more than the output needs.
 */
final class FloatSteps {
    private static final double LN256 = Math.log(256.0);
    /**
     * Height-field hill-shading: the normalised height range (0..1) rises as high as this fraction
     * of the image's width. A choice (iipsrv has no height-field mode): it shows the relief of
     * typical elevation models clearly without flattening or saturating it, and, being relative to
     * the image's size, looks the same at every pyramid level.
     */
    static final float RELIEF = 1f / 16f;

    final int width;
    final boolean lab;
    /** Working channels after loading (3 for CIELAB, converted to sRGB). */
    final int inChannels;
    private final float[] minF;
    private final float[] mul;
    private final SampleType sampleType;

    private final boolean shade;
    /** SHD on an image with fewer than 3 channels: channel 0 is a height field. */
    final boolean heightShade;
    private final float sx;
    private final float sy;
    private final float sz;
    /** Slope of one pixel step per unit of normalised height (height-field shading). */
    private final float heightScale;

    private final float[][] twist;
    private final float gamma;
    private final boolean invert;
    private final Processing.Colormap colormap;
    private final float[] kernel;
    private final double scale;

    /** Channels after hill-shading, colour twist and colormap (before any reduction). */
    final int channels;
    /** Channels written out: {@link #channels} after the encoder's reduction. */
    final int keep;

    private volatile byte[][] luts;

    /**
     * @param info        the image
     * @param p           processing
     * @param sampleType  sample type of the blocks that will arrive
     * @param rawChannels channels of those blocks
     * @param bits        bits per sample of those blocks
     * @param histogram   image histogram (needed for stretch), or null
     * @param maxChannels the encoder's channel limit; 3 means JPEG (2 channels become 1)
     * @param levelWidth  width of the pyramid level being rendered (height-field shading scale)
     */
    FloatSteps(ImageInfo info, Processing p, SampleType sampleType, int rawChannels, int bits, int[] histogram,
            int maxChannels, int levelWidth, int width) {
        this.width = width;
        this.sampleType = sampleType;
        lab = info.colourSpace == ColourSpace.CIELAB;
        inChannels = lab ? 3 : rawChannels;
        double[][] mm = minMax(info, p, lab, inChannels, sampleType, bits, histogram);
        minF = new float[inChannels];
        mul = new float[inChannels];
        for (int c = 0; c < inChannels; c++) {
            // single precision like iipsrv: min as float, reciprocal of the float range
            minF[c] = (float) mm[0][c];
            float range = (float) mm[1][c] - minF[c];
            mul[c] = Math.abs(range) > 1e-30 ? (float) (1.0 / range) : 1e30f;
        }
        int ch = inChannels;

        shade = p.shade() != null;
        heightShade = shade && ch < 3;
        if (shade) {
            // docs/protocols.md 5.3: light vector in single precision, normalised.
            float a = (float) (p.shade().azimuth() * Math.PI / 180.0);
            float y = (float) Math.cos(a);
            float x = (float) Math.sqrt(1.0 - y * y);
            if (p.shade().azimuth() > 180) {
                x = -x;
            }
            float z = (float) -Math.sin(p.shade().elevation() * Math.PI / 180.0);
            float norm = (float) Math.sqrt(x * x + y * y + z * z);
            sx = x / norm;
            sy = y / norm;
            sz = z / norm;
            ch = 1;
        } else {
            sx = sy = sz = 0;
        }
        heightScale = RELIEF * levelWidth;

        colormap = p.colormap();
        float[][] t = p.twist();
        int rows = t == null ? ch : t.length;
        int afterCmap = colormap != Processing.Colormap.NONE ? 3 : rows;
        keep = reduced(afterCmap, maxChannels);
        if (t != null) {
            // The colormap reads channel 0 only; otherwise only the rows that are kept matter.
            twist = Arrays.copyOf(t, colormap != Processing.Colormap.NONE ? 1 : keep);
            ch = twist.length;
        } else {
            twist = null;
        }
        channels = colormap != Processing.Colormap.NONE ? 3 : ch;
        gamma = p.gamma();
        invert = p.invert();
        kernel = p.kernel();
        float contrast = p.contrast() == Processing.STRETCH ? 1f : p.contrast();
        scale = 255.0 * contrast;
    }

    /**
     * Channels left by the encoder's reduction (docs/protocols.md 5.2 step 6): more channels than the encoder
     * takes become three (JPEG with more than 3, PNG with more than 4), and JPEG makes 2 into 1.
     */
    static int reduced(int ch, int maxChannels) {
        if (maxChannels == 3 && ch == 2) {
            return 1;
        }
        return ch > maxChannels ? Math.min(3, Math.max(1, maxChannels)) : ch;
    }

    boolean convolves() {
        return kernel != null;
    }

    /** True when a neighbourhood step needs a float frame of the rows before it. */
    boolean needsFrame() {
        return heightShade || kernel != null;
    }

    /** Kernel half size: rows of context a convolved row needs on each side. */
    int kernelHalf() {
        return kernel == null ? 0 : ((int) Math.round(Math.sqrt(kernel.length))) / 2;
    }

    // ---------------------------------------------------------------------------------------------
    // 4a: min/max

    static double[][] minMax(ImageInfo info, Processing proc, boolean lab, int ch, SampleType sampleType, int bits,
            int[] histogram) {
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
        if (proc.contrast() == Processing.STRETCH && histogram != null) {
            int n0 = 0;
            while (n0 < 255 && histogram[n0] == 0) {
                n0++;
            }
            int n1 = 255;
            while (n1 > 0 && histogram[n1] == 0) {
                n1--;
            }
            double lo = n0;
            double hi = n1;
            if (!lab && sampleType != SampleType.FLOAT && bits > 8) {
                int shift = bits - 8;
                lo = (double) ((long) n0 << shift);
                hi = (double) ((long) n1 << shift);
            }
            Arrays.fill(min, lo);
            Arrays.fill(max, hi);
        }
        return new double[][] {min, max};
    }

    // ---------------------------------------------------------------------------------------------
    // Whole rows

    /** Per-thread row buffers. */
    final class Rows {
        final float[] a;
        final float[] b;
        final float[] rgb = new float[3];

        Rows() {
            int most = Math.max(Math.max(inChannels, channels), twist == null ? 1 : twist.length);
            a = new float[width * Math.max(most, 3)];
            b = new float[width * Math.max(most, 3)];
        }
    }

    Rows rows() {
        return new Rows();
    }

    /**
     * Raw rows of a band to 8-bit output rows: everything of step 4 (no neighbourhood step may be
     * asked for). {@code out} holds {@link #keep} channels per pixel from {@code outOffset}.
     */
    void toBytes(PixelBlock band, byte[] out, int outOffset, Rows r) {
        if (usesTable(band)) {
            tableRows(band, out, outOffset);
            return;
        }
        int rowOut = band.width * keep;
        for (int y = 0; y < band.height; y++) {
            loadRow(band, y, r.a);
            float[] row = pointwise(r.a, r, true);
            quantiseRow(row, out, outOffset + y * rowOut, band.width);
        }
    }

    /**
     * Raw rows of a band to the float frame before the first neighbourhood step: the normalised
     * height (channel 0) for height-field shading, else the colormapped rows before convolution
     * ({@link #channels} per pixel).
     */
    void toFrame(PixelBlock band, float[] frame, int frameOffset, Rows r) {
        int w = band.width;
        for (int y = 0; y < band.height; y++) {
            loadRow(band, y, r.a);
            if (heightShade) {
                int o = frameOffset + y * w;
                for (int x = 0, s = 0; x < w; x++, s += inChannels) {
                    frame[o + x] = r.a[s];
                }
            } else {
                float[] row = pointwise(r.a, r, true);
                System.arraycopy(row, 0, frame, frameOffset + y * w * channels, w * channels);
            }
        }
    }

    /**
     * Rows [y0, y1) of a height field (one float per pixel, w x h): shaded, then the rest of the
     * row steps, into the 8-bit output or, before a convolution, into {@code next}.
     */
    void shadeHeightRows(float[] heights, int w, int h, int y0, int y1, byte[] out, float[] next, Rows r) {
        for (int y = y0; y < y1; y++) {
            int up = Math.max(0, y - 1);
            int down = Math.min(h - 1, y + 1);
            float dyDist = down - up;
            for (int x = 0; x < w; x++) {
                int left = Math.max(0, x - 1);
                int right = Math.min(w - 1, x + 1);
                // One-sided differences at the edges: a tile's border shows its true slope.
                float dzdx = right > left ? (heights[y * w + right] - heights[y * w + left]) / (right - left) : 0f;
                float dzdy = dyDist > 0 ? (heights[down * w + x] - heights[up * w + x]) / dyDist : 0f;
                // The surface normal in the frame of the formula's light vector, which points the
                // way the light travels: x to the left, y down the image, z out of it (so azimuth 0
                // lights from the top, 90 from the right). Heights rise towards the viewer.
                float nx = dzdx * heightScale;
                float ny = -dzdy * heightScale;
                float len = (float) Math.sqrt(nx * nx + ny * ny + 1f);
                r.b[x] = lit(-nx / len, -ny / len, -1f / len);
            }
            float[] row = pointwise(r.b, r, false);
            if (next != null) {
                System.arraycopy(row, 0, next, y * w * channels, w * channels);
            } else {
                quantiseRow(row, out, y * w * keep, w);
            }
        }
    }

    /** Rows [y0, y1) of the convolved frame ({@link #channels} per pixel) into the 8-bit output. */
    void convolveRows(float[] frame, int w, int h, int y0, int y1, byte[] out) {
        float[] row = new float[w * keep];
        for (int y = y0; y < y1; y++) {
            Convolution.row(frame, w, h, channels, keep, kernel, y, row);
            quantiseRow(row, keep, out, y * w * keep, w);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Per-pixel steps

    /**
     * Hill-shading (normal maps), colour twist, gamma/log, invert and colormap of one normalised
     * row; returns the buffer holding the result ({@link #channels} per pixel).
     *
     * @param fromLoad true: {@code row} holds {@link #inChannels} loaded channels; false: one
     *                 already shaded channel
     */
    private float[] pointwise(float[] row, Rows r, boolean fromLoad) {
        int w = width;
        float[] cur = row;
        int ch = fromLoad ? inChannels : 1;
        if (shade && fromLoad) {
            float[] dst = cur == r.a ? r.b : r.a;
            for (int x = 0, s = 0; x < w; x++, s += ch) {
                float red = cur[s];
                float green = cur[s + 1];
                float blue = cur[s + 2];
                if (red == 0f && green == 0f && blue == 0f) {
                    dst[x] = 0f;
                } else {
                    dst[x] = lit(-(red - 0.5f) * 2f, -(green - 0.5f) * 2f, -(blue - 0.5f) * 2f);
                }
            }
            cur = dst;
            ch = 1;
        }
        if (twist != null) {
            float[] dst = cur == r.a ? r.b : r.a;
            int rows = twist.length;
            for (int x = 0, s = 0, o = 0; x < w; x++, s += ch) {
                for (int k = 0; k < rows; k++) {
                    float[] m = twist[k];
                    int n = Math.min(m.length, ch);
                    float v = 0f;
                    for (int j = 0; j < n; j++) {
                        v += m[j] * cur[s + j];
                    }
                    dst[o++] = v;
                }
            }
            cur = dst;
            ch = rows;
        }
        gammaInvert(cur, w * ch, gamma, invert);
        if (colormap != Processing.Colormap.NONE) {
            float[] dst = cur == r.a ? r.b : r.a;
            for (int x = 0, s = 0, o = 0; x < w; x++, s += ch, o += 3) {
                Colours.colormap(colormap, cur[s], r.rgb);
                dst[o] = r.rgb[0];
                dst[o + 1] = r.rgb[1];
                dst[o + 2] = r.rgb[2];
            }
            cur = dst;
        }
        return cur;
    }

    /**
     * docs/protocols.md 5.3: value = clamp(0.5 (s . o), 0, 1), where o is the negated surface normal (a normal
     * map stores the normal n as (n + 1) / 2 per channel, so o = -(c - 0.5) 2).
     */
    private float lit(float ox, float oy, float oz) {
        float d = 0.5f * (sx * ox + sy * oy + sz * oz);
        return d < 0f ? 0f : d > 1f ? 1f : d;
    }

    /** Gamma or log, then inversion, in place. */
    static void gammaInvert(float[] row, int n, float gamma, boolean invert) {
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

    private void quantiseRow(float[] row, byte[] out, int o, int w) {
        quantiseRow(row, channels, out, o, w);
    }

    /** The first {@link #keep} of {@code ch} channels of each pixel, quantised. */
    private void quantiseRow(float[] row, int ch, byte[] out, int o, int w) {
        if (ch == keep) {
            for (int i = 0, n = w * ch; i < n; i++) {
                out[o++] = quantise(row[i], scale);
            }
            return;
        }
        for (int x = 0, s = 0; x < w; x++, s += ch) {
            for (int k = 0; k < keep; k++) {
                out[o++] = quantise(row[s + k], scale);
            }
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

    // ---------------------------------------------------------------------------------------------
    // Lookup tables

    /**
     * 8-bit (and large 16-bit) integer data where every step is a function of one sample value
     * (no hill-shading, colour twist or convolution): the chain runs once per possible value and
     * channel, with the same arithmetic, and the pixels go through a table.
     */
    private boolean usesTable(PixelBlock band) {
        return !lab && !shade && twist == null && kernel == null && band.sampleType != SampleType.FLOAT
                && (band.data instanceof byte[] || band.data instanceof short[] && largeSixteenBit);
    }

    /** Set by the pipeline: the render is big enough that 65536-entry tables pay off. */
    boolean largeSixteenBit;

    private byte[][] tables(PixelBlock band) {
        byte[][] t = luts;
        if (t == null) {
            synchronized (this) {
                t = luts;
                if (t == null) {
                    t = buildTables(band.data instanceof byte[], band.sampleType == SampleType.SIGNED_INT);
                    luts = t;
                }
            }
        }
        return t;
    }

    /** One table per channel written out; with a colormap one table of 3 bytes per value (channel 0). */
    private byte[][] buildTables(boolean bytes, boolean signed) {
        int size = bytes ? 256 : 65536;
        float[] vals = new float[size];
        float[] rgb = new float[3];
        if (colormap != Processing.Colormap.NONE) {
            tableValues(vals, size, bytes, signed, minF[0], mul[0]);
            gammaInvert(vals, size, gamma, invert);
            byte[] lut = new byte[size * 3];
            for (int v = 0; v < size; v++) {
                Colours.colormap(colormap, vals[v], rgb);
                lut[v * 3] = quantise(rgb[0], scale);
                lut[v * 3 + 1] = quantise(rgb[1], scale);
                lut[v * 3 + 2] = quantise(rgb[2], scale);
            }
            return new byte[][] {lut};
        }
        byte[][] t = new byte[keep][];
        for (int c = 0; c < keep; c++) {
            for (int e = 0; e < c && t[c] == null; e++) {
                if (minF[e] == minF[c] && mul[e] == mul[c]) {
                    t[c] = t[e];
                }
            }
            if (t[c] != null) {
                continue;
            }
            tableValues(vals, size, bytes, signed, minF[c], mul[c]);
            gammaInvert(vals, size, gamma, invert);
            byte[] lut = new byte[size];
            for (int v = 0; v < size; v++) {
                lut[v] = quantise(vals[v], scale);
            }
            t[c] = lut;
        }
        return t;
    }

    private static void tableValues(float[] vals, int size, boolean bytes, boolean signed, float min, float mul) {
        for (int k = 0; k < size; k++) {
            int v = signed ? (bytes ? (byte) k : (short) k) : k;
            vals[k] = (v - min) * mul;
        }
    }

    private void tableRows(PixelBlock band, byte[] out, int o) {
        byte[][] t = tables(band);
        int ch = band.channels;
        int pixels = band.width * band.height;
        boolean bytes = band.data instanceof byte[];
        byte[] b = bytes ? (byte[]) band.data : null;
        short[] sh = bytes ? null : (short[]) band.data;
        if (colormap != Processing.Colormap.NONE) {
            byte[] lut = t[0];
            for (int p = 0, s = 0; p < pixels; p++, s += ch) {
                int k = (bytes ? b[s] & 0xff : sh[s] & 0xffff) * 3;
                out[o] = lut[k];
                out[o + 1] = lut[k + 1];
                out[o + 2] = lut[k + 2];
                o += 3;
            }
            return;
        }
        // the common layouts get loops of their own: this runs once per sample of the render
        if (bytes && ch == 1) {
            byte[] l = t[0];
            for (int i = 0; i < pixels; i++) {
                out[o + i] = l[b[i] & 0xff];
            }
            return;
        }
        if (bytes && ch == 3 && keep == 3) {
            byte[] l0 = t[0];
            byte[] l1 = t[1];
            byte[] l2 = t[2];
            for (int i = 0, n = pixels * 3; i < n; i += 3) {
                out[o + i] = l0[b[i] & 0xff];
                out[o + i + 1] = l1[b[i + 1] & 0xff];
                out[o + i + 2] = l2[b[i + 2] & 0xff];
            }
            return;
        }
        if (bytes) {
            for (int p = 0, s = 0; p < pixels; p++, s += ch) {
                for (int c = 0; c < keep; c++) {
                    out[o++] = t[c][b[s + c] & 0xff];
                }
            }
            return;
        }
        for (int p = 0, s = 0; p < pixels; p++, s += ch) {
            for (int c = 0; c < keep; c++) {
                out[o++] = t[c][sh[s + c] & 0xffff];
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Loading

    /** Loads row y of a band as normalised floats (CIELAB: converted to sRGB 0..1). */
    private void loadRow(PixelBlock raw, int y, float[] row) {
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
                Colours.labToSrgb(l, a, b, row, x * 3);
            }
            return;
        }
        int n = w * rc;
        boolean signed = raw.sampleType == SampleType.SIGNED_INT;
        if (raw.data instanceof byte[] d) {
            for (int i = 0, c = 0; i < n; i++) {
                int v = signed ? d[base + i] : d[base + i] & 0xff;
                row[i] = (v - minF[c]) * mul[c];
                if (++c == rc) {
                    c = 0;
                }
            }
        } else if (raw.data instanceof short[] d) {
            for (int i = 0, c = 0; i < n; i++) {
                int v = signed ? d[base + i] : d[base + i] & 0xffff;
                row[i] = (v - minF[c]) * mul[c];
                if (++c == rc) {
                    c = 0;
                }
            }
        } else if (raw.data instanceof int[] d) {
            for (int i = 0, c = 0; i < n; i++) {
                float v = signed ? (float) d[base + i] : (float) Integer.toUnsignedLong(d[base + i]);
                row[i] = (v - minF[c]) * mul[c];
                if (++c == rc) {
                    c = 0;
                }
            }
        } else {
            float[] d = (float[]) raw.data;
            for (int i = 0, c = 0; i < n; i++) {
                float v = d[base + i];
                row[i] = Float.isFinite(v) ? (v - minF[c]) * mul[c] : 0f;
                if (++c == rc) {
                    c = 0;
                }
            }
        }
    }
}
