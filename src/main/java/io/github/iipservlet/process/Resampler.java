package io.github.iipservlet.process;

/**
 * 8-bit interleaved resampling as iipsrv does it (docs/protocols.md 5.4). Each method writes the output rows
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
     *
     * <p>out = c (a P11 + b P21) + d (a P12 + b P22): the horizontal blends of a source row are the
     * same for every output row that uses it, so each is computed once and kept while the next
     * output rows need it (the same float operations in the same order, so the same results).
     */
    public static void bilinearRows(Rows in, int w, int h, int ch, byte[] out, int outW, int outH, int rowFrom,
            int rowTo) {
        float xscale = (float) w / (float) outW;
        float yscale = (float) h / (float) outH;
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
        Blends blends = new Blends(in, w, h, ch, outW, colOff, wa, wb, edge);
        float[] upper = new float[outW * ch];
        float[] lower = new float[outW * ch];
        int upperRow = -1;
        int lowerRow = -1;
        int n = outW * ch;
        for (int j = rowFrom; j < rowTo; j++) {
            float jscale = j * yscale;
            int jj = (int) Math.floor(jscale);
            float c = (float) (jj + 1) - jscale;
            float d = jscale - (float) jj;
            if (upperRow != jj) {
                if (lowerRow == jj) {
                    float[] t = upper;
                    upper = lower;
                    lower = t;
                    upperRow = jj;
                    lowerRow = -1;
                } else {
                    blends.row(jj, upper);
                    upperRow = jj;
                }
            }
            if (lowerRow != jj + 1) {
                blends.row(jj + 1, lower);
                lowerRow = jj + 1;
            }
            for (int k = 0, o = j * n; k < n; k++) {
                out[o + k] = (byte) (int) (c * upper[k] + d * lower[k]);
            }
        }
    }

    /** The horizontal blends a P(r, ii) + b P(r, ii + 1) of one source row, with iipsrv's neighbours. */
    private record Blends(Rows in, int w, int h, int ch, int outW, int[] colOff, float[] wa, float[] wb, int edge) {
        /** Row r of the blends; r == h is the row below the last, which iipsrv clamps to the last pixel. */
        void row(int r, float[] dst) {
            byte[] lastArr = in.arrays()[h - 1];
            int lastOff = in.offsets()[h - 1] + (w - 1) * ch;
            if (r >= h) {
                for (int i = 0, o = 0; i < outW; i++) {
                    for (int k = 0; k < ch; k++) {
                        float v = lastArr[lastOff + k] & 0xff;
                        dst[o++] = v * wa[i] + v * wb[i];
                    }
                }
                return;
            }
            byte[] a0 = in.arrays()[r];
            int r0 = in.offsets()[r];
            int o = 0;
            if (ch == 3) {
                for (int i = 0; i < edge; i++) {
                    int p = r0 + colOff[i];
                    float a = wa[i];
                    float b = wb[i];
                    dst[o] = (a0[p] & 0xff) * a + (a0[p + 3] & 0xff) * b;
                    dst[o + 1] = (a0[p + 1] & 0xff) * a + (a0[p + 4] & 0xff) * b;
                    dst[o + 2] = (a0[p + 2] & 0xff) * a + (a0[p + 5] & 0xff) * b;
                    o += 3;
                }
            } else {
                for (int i = 0; i < edge; i++) {
                    int p = r0 + colOff[i];
                    float a = wa[i];
                    float b = wb[i];
                    for (int k = 0; k < ch; k++) {
                        dst[o++] = (a0[p + k] & 0xff) * a + (a0[p + ch + k] & 0xff) * b;
                    }
                }
            }
            // last source column: the right neighbour is the first pixel of the next row
            byte[] nextArr = r + 1 < h ? in.arrays()[r + 1] : lastArr;
            int next = r + 1 < h ? in.offsets()[r + 1] : lastOff;
            for (int i = edge; i < outW; i++) {
                int p = r0 + colOff[i];
                for (int k = 0; k < ch; k++) {
                    dst[o++] = (a0[p + k] & 0xff) * wa[i] + (nextArr[next + k] & 0xff) * wb[i];
                }
            }
        }
    }
}
