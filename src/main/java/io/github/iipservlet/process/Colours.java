package io.github.iipservlet.process;

/**
 * Colour formulas of the float pipeline, as iipsrv computes them (docs/protocols.md 5.3): CIELAB to sRGB, and
 * the colormaps that turn one normalised channel into RGB.
 */
final class Colours {
    private Colours() {
    }

    /** CIELAB (D65) to sRGB in 0..1 as iipsrv computes it (docs/protocols.md 5.3). */
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

    /** iipsrv's colormaps of a normalised value (docs/protocols.md 5.3). */
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
}
