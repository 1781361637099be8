package io.github.iipservlet.process;

/**
 * 8-bit interleaved resampling as iipsrv does it (spec 5.4). Each method writes the output rows
 * {@code [rowFrom, rowTo)} only, so a large resize can be split by rows across threads; the
 * whole-image helpers just pass the full range.
 *
 * <p>The source is a table of rows ({@link Rows}), so the bands a region was decoded in can be
 * resized where they lie, without first copying them into one array.
 */
public final class Resampler {

    private Resampler() {
    }

    /** Source rows: row y is {@code width * channels} bytes from {@code offsets[y]} of {@code arrays[y]}. */
    public record Rows(byte[][] arrays, int[] offsets) {
        /** The rows of one contiguous image. */
        public static Rows of(byte[] pixels, int width, int height, int channels) {
            byte[][] arrays = new byte[height][];
            int[] offsets = new int[height];
            int rowLen = width * channels;
            for (int y = 0; y < height; y++) {
                arrays[y] = pixels;
                offsets[y] = y * rowLen;
            }
            return new Rows(arrays, offsets);
        }

        /** The rows copied into one array. */
        byte[] contiguous(int width, int channels) {
            int rowLen = width * channels;
            byte[] out = new byte[arrays.length * rowLen];
            for (int y = 0; y < arrays.length; y++) {
                System.arraycopy(arrays[y], offsets[y], out, y * rowLen, rowLen);
            }
            return out;
        }
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

    public static void nearestRows(byte[] in, int w, int h, int ch, byte[] out, int outW, int outH, int rowFrom,
            int rowTo) {
        nearestRows(Rows.of(in, w, h, ch), w, h, ch, out, outW, outH, rowFrom, rowTo);
    }

    public static void bilinearRows(byte[] in, int w, int h, int ch, byte[] out, int outW, int outH, int rowFrom,
            int rowTo) {
        bilinearRows(Rows.of(in, w, h, ch), w, h, ch, out, outW, outH, rowFrom, rowTo);
    }

    /**
     * Nearest neighbour: source x = floor(i * xscale), y = floor(j * yscale) with single-precision
     * scales as in iipsrv, clamped to the image.
     */
    public static void nearestRows(Rows in, int w, int h, int ch, byte[] out, int outW, int outH, int rowFrom,
            int rowTo) {
        float xscale = (float) w / (float) outW;
        float yscale = (float) h / (float) outH;
        int[] srcX = new int[outW];
        for (int i = 0; i < outW; i++) {
            srcX[i] = Math.min((int) Math.floor(i * xscale), w - 1) * ch;
        }
        for (int j = rowFrom; j < rowTo; j++) {
            int sy = Math.min((int) Math.floor(j * yscale), h - 1);
            byte[] src = in.arrays()[sy];
            int srcRow = in.offsets()[sy];
            int o = j * outW * ch;
            switch (ch) {
                case 1 -> {
                    for (int i = 0; i < outW; i++) {
                        out[o++] = src[srcRow + srcX[i]];
                    }
                }
                case 3 -> {
                    for (int i = 0; i < outW; i++) {
                        int s = srcRow + srcX[i];
                        out[o] = src[s];
                        out[o + 1] = src[s + 1];
                        out[o + 2] = src[s + 2];
                        o += 3;
                    }
                }
                default -> {
                    for (int i = 0; i < outW; i++) {
                        System.arraycopy(src, srcRow + srcX[i], out, o, ch);
                        o += ch;
                    }
                }
            }
        }
    }

    /**
     * iipsrv's bilinear interpolation: not centre-aligned, single-precision weights, result
     * truncated. iipsrv takes the neighbours as offsets in its flat buffer, clamped only to the
     * buffer's last pixel: at the right edge the "next" pixel is the first of the following row,
     * and on the last row every lower neighbour is the image's last pixel. Reproduced here row by
     * row.
     */
    public static void bilinearRows(Rows in, int w, int h, int ch, byte[] out, int outW, int outH, int rowFrom,
            int rowTo) {
        float xscale = (float) w / (float) outW;
        float yscale = (float) h / (float) outH;
        byte[] lastArr = in.arrays()[h - 1];
        int lastOff = in.offsets()[h - 1] + (w - 1) * ch;
        // per-column source offset and weights, computed once; columns from `edge` on start in
        // the last source column
        int[] colOff = new int[outW];
        float[] wa = new float[outW];
        float[] wb = new float[outW];
        int edge = outW;
        for (int i = 0; i < outW; i++) {
            float iscale = i * xscale;
            int ii = (int) Math.floor(iscale);
            colOff[i] = ii * ch;
            wa[i] = (float) (ii + 1) - iscale;
            wb[i] = iscale - (float) ii;
            if (ii + 1 >= w && edge == outW) {
                edge = i;
            }
        }
        for (int j = rowFrom; j < rowTo; j++) {
            float jscale = j * yscale;
            int jj = (int) Math.floor(jscale);
            float c = (float) (jj + 1) - jscale;
            float d = jscale - (float) jj;
            byte[] a0 = in.arrays()[jj];
            int r0 = in.offsets()[jj];
            boolean below = jj + 1 < h;
            // the row below, or the last pixel repeated
            byte[] a1 = below ? in.arrays()[jj + 1] : lastArr;
            int r1 = below ? in.offsets()[jj + 1] : lastOff;
            int step1 = below ? ch : 0;
            int o = j * outW * ch;
            for (int i = 0; i < edge; i++) {
                int p11 = r0 + colOff[i];
                int p12 = below ? r1 + colOff[i] : r1;
                float a = wa[i];
                float b = wb[i];
                if (ch == 3) { // the common case, unrolled
                    int q21 = p11 + 3;
                    int q22 = p12 + step1;
                    float tx = (a0[p11] & 0xff) * a + (a0[q21] & 0xff) * b;
                    float ty = (a1[p12] & 0xff) * a + (a1[q22] & 0xff) * b;
                    out[o] = (byte) (int) (c * tx + d * ty);
                    tx = (a0[p11 + 1] & 0xff) * a + (a0[q21 + 1] & 0xff) * b;
                    ty = (a1[p12 + 1] & 0xff) * a + (a1[q22 + 1] & 0xff) * b;
                    out[o + 1] = (byte) (int) (c * tx + d * ty);
                    tx = (a0[p11 + 2] & 0xff) * a + (a0[q21 + 2] & 0xff) * b;
                    ty = (a1[p12 + 2] & 0xff) * a + (a1[q22 + 2] & 0xff) * b;
                    out[o + 2] = (byte) (int) (c * tx + d * ty);
                    o += 3;
                    continue;
                }
                for (int k = 0; k < ch; k++) {
                    float tx = (a0[p11 + k] & 0xff) * a + (a0[p11 + ch + k] & 0xff) * b;
                    float ty = (a1[p12 + k] & 0xff) * a + (a1[p12 + step1 + k] & 0xff) * b;
                    out[o++] = (byte) (int) (c * tx + d * ty);
                }
            }
            for (int i = edge; i < outW; i++) {
                // last source column: the right neighbours are the first pixels of the next rows
                int p11 = r0 + colOff[i];
                byte[] a21 = below ? in.arrays()[jj + 1] : lastArr;
                int q21 = below ? in.offsets()[jj + 1] : lastOff;
                int p12 = below ? r1 + colOff[i] : r1;
                boolean twoBelow = jj + 2 < h;
                byte[] a22 = below && twoBelow ? in.arrays()[jj + 2] : lastArr;
                int q22 = below && twoBelow ? in.offsets()[jj + 2] : lastOff;
                float a = wa[i];
                float b = wb[i];
                for (int k = 0; k < ch; k++) {
                    float tx = (a0[p11 + k] & 0xff) * a + (a21[q21 + k] & 0xff) * b;
                    float ty = (a1[p12 + k] & 0xff) * a + (a22[q22 + k] & 0xff) * b;
                    out[o++] = (byte) (int) (c * tx + d * ty);
                }
            }
        }
    }
}
