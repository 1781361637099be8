package io.github.iipservlet.process;

import java.util.Locale;
import java.util.Map;

/**
 * Convolution (IIP CNV, docs/protocols.md 3.17 and 5.3): iipsrv's named 3x3 kernels, the rule for explicit
 * kernels, and the per-channel filter with replicated edges, normalised by the kernel's sum when
 * that is positive.
 */
public final class Convolution {
    /** Largest explicit kernel: 5x5 (iipsrv reads at most 26 values and needs fewer than 26). */
    public static final int MAX_WEIGHTS = 25;

    private static final Map<String, float[]> NAMED = Map.of(
            "sobel", new float[] {-1, 0, 1, -2, 0, 2, -1, 0, 1},
            "prewitt", new float[] {1, 0, -1, 1, 0, -1, 1, 0, -1},
            "scharr", new float[] {-3, 0, 3, -10, 0, 10, -3, 0, 3},
            "laplace", new float[] {-1, -1, -1, -1, 8, -1, -1, -1, -1},
            "gaussian", new float[] {1, 2, 1, 2, 4, 2, 1, 2, 1},
            "sharpen", new float[] {0, -1, 0, -1, 5, -1, 0, -1, 0},
            "emboss", new float[] {-2, -1, 0, -1, 1, 1, 0, 1, 2});

    private Convolution() {
    }

    /** A named kernel (case-insensitive), or null. */
    public static float[] named(String name) {
        float[] k = NAMED.get(name.toLowerCase(Locale.ROOT));
        return k == null ? null : k.clone();
    }

    /** True when {@code n} weights make a kernel iipsrv accepts: an odd square side, at most 5x5. */
    public static boolean acceptable(int n) {
        if (n <= 0 || n > MAX_WEIGHTS) {
            return false;
        }
        int side = (int) Math.round(Math.sqrt(n));
        return side * side == n && side % 2 == 1;
    }

    /**
     * One output row: {@code keep} of the frame's {@code ch} channels of row y convolved, edge
     * pixels replicated, divided by the kernel's sum when it is positive.
     */
    static void row(float[] frame, int w, int h, int ch, int keep, float[] kernel, int y, float[] out) {
        int side = (int) Math.round(Math.sqrt(kernel.length));
        int half = side / 2;
        float sum = 0f;
        for (float k : kernel) {
            sum += k;
        }
        int rowLen = w * ch;
        for (int x = 0, o = 0; x < w; x++) {
            for (int c = 0; c < keep; c++) {
                float acc = 0f;
                for (int fy = 0; fy < side; fy++) {
                    int sy = Math.min(h - 1, Math.max(0, y + fy - half));
                    int rowBase = sy * rowLen + c;
                    int kBase = fy * side;
                    for (int fx = 0; fx < side; fx++) {
                        int sx = Math.min(w - 1, Math.max(0, x + fx - half));
                        acc += frame[rowBase + sx * ch] * kernel[kBase + fx];
                    }
                }
                out[o++] = sum > 0f ? acc / sum : acc;
            }
        }
    }
}
