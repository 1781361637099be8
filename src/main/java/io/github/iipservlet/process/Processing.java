package io.github.iipservlet.process;

import java.util.Arrays;

/**
 * The pixel processing a request asks for (IIP CNT, GAM, INV, MINMAX, CMP, COL, ROT, SHD, CTW, CNV
 * and their IIIF equivalents), immutable: the arrays are copied when it is made and when they are
 * read, so nobody holding one can change a View's cache key under it. It is part of the normalised
 * view and of its cache key, so {@link #key()} must name every field that changes pixels.
 *
 * @param contrast   multiplier, 1 = none; {@link #STRETCH} for contrast stretching
 * @param gamma      exponent, 1 = none; {@link #LOG} for the logarithmic transform
 * @param invert     v' = 1 - v
 * @param colormap   colormap of channel 0, or NONE
 * @param minOverride per-channel minimum from MINMAX (NaN = the image's own), or null
 * @param maxOverride per-channel maximum from MINMAX (NaN = the image's own), or null
 * @param colour     colour, greyscale or bitonal output
 * @param rotation   clockwise degrees as requested (only 90, 180, 270 rotate; others force the raw path)
 * @param flip       0 none, 1 mirror left-right, 2 mirror top-bottom
 * @param equalise   histogram equalisation
 * @param shade      hill-shading light direction, or null
 * @param twist      colour twist matrix, row k = output channel k (rows may differ in length), or null
 * @param kernel     convolution kernel, row-major, of odd square size (1, 9 or 25 weights), or null
 */
public record Processing(float contrast, float gamma, boolean invert, Colormap colormap, double[] minOverride,
        double[] maxOverride, Colour colour, float rotation, int flip, boolean equalise, Shade shade,
        float[][] twist, float[] kernel) {

    public static final float STRETCH = -1f;
    public static final float LOG = -1f;
    public static final Processing NONE = new Processing(1f, 1f, false, Colormap.NONE, null, null, Colour.COLOUR, 0f, 0,
            false, null, null, null);

    public enum Colormap { NONE, HOT, COLD, JET, BLUE, GREEN, RED }

    public enum Colour { COLOUR, GREY, BITONAL }

    /**
     * Hill-shading light (docs/protocols.md 3.18).
     *
     * @param azimuth   degrees clockwise from 12 o'clock
     * @param elevation degrees above the horizon (90 = overhead)
     */
    public record Shade(int azimuth, int elevation) {
    }

    public Processing {
        minOverride = minOverride == null ? null : minOverride.clone();
        maxOverride = maxOverride == null ? null : maxOverride.clone();
        twist = copy(twist);
        kernel = kernel == null ? null : kernel.clone();
    }

    private static float[][] copy(float[][] rows) {
        if (rows == null) {
            return null;
        }
        float[][] c = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            c[i] = rows[i] == null ? null : rows[i].clone();
        }
        return c;
    }

    /** A copy: the minimum per channel from MINMAX (NaN = the image's own), or null. */
    @Override
    public double[] minOverride() {
        return minOverride == null ? null : minOverride.clone();
    }

    /** A copy: the maximum per channel from MINMAX (NaN = the image's own), or null. */
    @Override
    public double[] maxOverride() {
        return maxOverride == null ? null : maxOverride.clone();
    }

    /** A copy of the colour twist matrix, or null. */
    @Override
    public float[][] twist() {
        return copy(twist);
    }

    /** A copy of the convolution kernel, or null. */
    @Override
    public float[] kernel() {
        return kernel == null ? null : kernel.clone();
    }

    /** True when the samples go through the floating-point pipeline (docs/protocols.md 5.1). */
    public boolean needsFloat() {
        return contrast != 1f || gamma != 1f || invert || colormap != Colormap.NONE || minOverride != null
                || shade != null || twist != null || kernel != null;
    }

    /** True when a histogram of the image is needed (equalisation, bitonal, stretch). */
    public boolean needsHistogram() {
        return equalise || colour == Colour.BITONAL || contrast == STRETCH;
    }

    /** Integer rotation in 0..359 as iipsrv truncates it. */
    public int rotationDegrees() {
        return Math.floorMod((int) rotation, 360);
    }

    public boolean isIdentity() {
        return equals(NONE);
    }

    public Processing withRotation(float degrees, int newFlip) {
        return new Processing(contrast, gamma, invert, colormap, minOverride, maxOverride, colour, degrees, newFlip,
                equalise, shade, twist, kernel);
    }

    /** A compact text naming every field, for cache keys. Identity processing is the empty string. */
    public String key() {
        if (isIdentity()) {
            return "";
        }
        StringBuilder b = new StringBuilder(32);
        b.append('c').append(contrast).append('g').append(gamma);
        if (invert) {
            b.append('i');
        }
        if (colormap != Colormap.NONE) {
            b.append('m').append(colormap.ordinal());
        }
        if (minOverride != null) {
            b.append('n').append(Arrays.toString(minOverride)).append(Arrays.toString(maxOverride));
        }
        if (colour != Colour.COLOUR) {
            b.append('k').append(colour.ordinal());
        }
        if (rotation != 0f) {
            b.append('r').append(rotation);
        }
        if (flip != 0) {
            b.append('f').append(flip);
        }
        if (equalise) {
            b.append('e');
        }
        if (shade != null) {
            b.append('s').append(shade.azimuth()).append(',').append(shade.elevation());
        }
        if (twist != null) {
            b.append('t');
            for (float[] row : twist) {
                b.append(Arrays.toString(row));
            }
        }
        if (kernel != null) {
            b.append('v').append(Arrays.toString(kernel));
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Processing p && p.contrast == contrast && p.gamma == gamma && p.invert == invert
                && p.colormap == colormap && Arrays.equals(p.minOverride, minOverride)
                && Arrays.equals(p.maxOverride, maxOverride) && p.colour == colour && p.rotation == rotation
                && p.flip == flip && p.equalise == equalise && java.util.Objects.equals(p.shade, shade)
                && Arrays.deepEquals(p.twist, twist) && Arrays.equals(p.kernel, kernel);
    }

    @Override
    public int hashCode() {
        return key().hashCode();
    }
}
