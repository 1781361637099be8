package io.github.iipservlet.process;

/**
 * 8-bit interleaved resampling as iipsrv does it (spec 5.4). Each method writes the output rows
 * {@code [rowFrom, rowTo)} only, so a large resize can be split by rows across threads; the
 * whole-image helpers just pass the full range.
 */
public final class Resampler {

    private Resampler() {
    }

    public static byte[] nearest(byte[] in, int w, int h, int ch, int outW, int outH) {
        byte[] out = new byte[outW * outH * ch];
        nearestRows(in, w, h, ch, out, outW, outH, 0, outH);
        return out;
    }

    public static byte[] bilinear(byte[] in, int w, int h, int ch, int outW, int outH) {
        byte[] out = new byte[outW * outH * ch];
        bilinearRows(in, w, h, ch, out, outW, outH, 0, outH);
        return out;
    }

    /**
     * Nearest neighbour: source x = floor(i * xscale), y = floor(j * yscale) with single-precision
     * scales as in iipsrv, clamped to the image.
     */
    public static void nearestRows(byte[] in, int w, int h, int ch, byte[] out, int outW, int outH, int rowFrom,
            int rowTo) {
        float xscale = (float) w / (float) outW;
        float yscale = (float) h / (float) outH;
        int[] srcX = new int[outW];
        for (int i = 0; i < outW; i++) {
            srcX[i] = Math.min((int) Math.floor(i * xscale), w - 1) * ch;
        }
        int rowLen = w * ch;
        for (int j = rowFrom; j < rowTo; j++) {
            int srcRow = Math.min((int) Math.floor(j * yscale), h - 1) * rowLen;
            int o = j * outW * ch;
            switch (ch) {
                case 1 -> {
                    for (int i = 0; i < outW; i++) {
                        out[o++] = in[srcRow + srcX[i]];
                    }
                }
                case 3 -> {
                    for (int i = 0; i < outW; i++) {
                        int s = srcRow + srcX[i];
                        out[o] = in[s];
                        out[o + 1] = in[s + 1];
                        out[o + 2] = in[s + 2];
                        o += 3;
                    }
                }
                default -> {
                    for (int i = 0; i < outW; i++) {
                        System.arraycopy(in, srcRow + srcX[i], out, o, ch);
                        o += ch;
                    }
                }
            }
        }
    }

    /**
     * iipsrv's bilinear interpolation: not centre-aligned, single-precision weights, neighbour
     * indices computed on the flat buffer and clamped only to the last pixel of the buffer (so at
     * the right edge the "next" pixel is the first pixel of the following row, as in iipsrv),
     * result truncated.
     */
    public static void bilinearRows(byte[] in, int w, int h, int ch, byte[] out, int outW, int outH, int rowFrom,
            int rowTo) {
        float xscale = (float) w / (float) outW;
        float yscale = (float) h / (float) outH;
        int max = (w * h - 1) * ch;
        int rowLen = w * ch;
        // per-column source offset and weights, computed once
        int[] colOff = new int[outW];
        float[] wa = new float[outW];
        float[] wb = new float[outW];
        for (int i = 0; i < outW; i++) {
            float iscale = i * xscale;
            int ii = (int) Math.floor(iscale);
            colOff[i] = ii * ch;
            wa[i] = (float) (ii + 1) - iscale;
            wb[i] = iscale - (float) ii;
        }
        for (int j = rowFrom; j < rowTo; j++) {
            float jscale = j * yscale;
            int jj = (int) Math.floor(jscale);
            float c = (float) (jj + 1) - jscale;
            float d = jscale - (float) jj;
            int rowBase = jj * rowLen;
            int o = j * outW * ch;
            for (int i = 0; i < outW; i++) {
                int p11 = rowBase + colOff[i];
                int q21 = Math.min(p11 + ch, max);
                int q12 = Math.min(p11 + rowLen, max);
                int q22 = Math.min(p11 + rowLen + ch, max);
                float a = wa[i];
                float b = wb[i];
                if (ch == 3) {
                    float tx = (in[p11] & 0xff) * a + (in[q21] & 0xff) * b;
                    float ty = (in[q12] & 0xff) * a + (in[q22] & 0xff) * b;
                    out[o] = (byte) (int) (c * tx + d * ty);
                    tx = (in[p11 + 1] & 0xff) * a + (in[q21 + 1] & 0xff) * b;
                    ty = (in[q12 + 1] & 0xff) * a + (in[q22 + 1] & 0xff) * b;
                    out[o + 1] = (byte) (int) (c * tx + d * ty);
                    tx = (in[p11 + 2] & 0xff) * a + (in[q21 + 2] & 0xff) * b;
                    ty = (in[q12 + 2] & 0xff) * a + (in[q22 + 2] & 0xff) * b;
                    out[o + 2] = (byte) (int) (c * tx + d * ty);
                    o += 3;
                    continue;
                }
                for (int k = 0; k < ch; k++) {
                    float tx = (in[p11 + k] & 0xff) * a + (in[q21 + k] & 0xff) * b;
                    float ty = (in[q12 + k] & 0xff) * a + (in[q22 + k] & 0xff) * b;
                    out[o++] = (byte) (int) (c * tx + d * ty);
                }
            }
        }
    }
}
