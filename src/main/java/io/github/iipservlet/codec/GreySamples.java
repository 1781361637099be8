package io.github.iipservlet.codec;

/** Grey samples widened for encoders that take colour only (libwebp, libavif's RGB conversion). */
public final class GreySamples {
    private GreySamples() {
    }

    /** Grey to RGB (the value in each channel), grey+alpha to RGBA; {@code ch} is 1 or 2. */
    public static byte[] toRgb(byte[] src, int pixels, int ch) {
        int outCh = ch == 2 ? 4 : 3;
        byte[] dst = new byte[pixels * outCh];
        for (int p = 0, s = 0, d = 0; p < pixels; p++, s += ch, d += outCh) {
            byte v = src[s];
            dst[d] = v;
            dst[d + 1] = v;
            dst[d + 2] = v;
            if (outCh == 4) {
                dst[d + 3] = src[s + 1];
            }
        }
        return dst;
    }
}
