package io.github.iipservlet.render;

import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;

/**
 * iipsrv's view geometry (docs/protocols.md 4): from a region in 0..1 fractions of the full image and a
 * requested output size, the output size, the pyramid level that serves it and the region in that
 * level's pixels. Shared by CVT and the other protocols' region requests.
 */
public final class ViewGeometry {
    private static final double FLT_EPSILON = 1.1920929e-7;

    /** The outcome: level index (0 = full resolution), region at that level, output size before rotation. */
    public record Placement(int level, int x, int y, int width, int height, int outWidth, int outHeight) {
    }

    private ViewGeometry() {
    }

    /**
     * @param left   region left, 0..1
     * @param top    region top, 0..1
     * @param rw     region width, 0..1
     * @param rh     region height, 0..1
     * @param reqW   requested width, 0 = not given
     * @param reqH   requested height, 0 = not given
     * @param keepAspect fit inside reqW x reqH (IIP always; IIIF "w,h" does not)
     * @param allowUpscaling false: output no larger than the chosen level
     * @param maxSize MAX_CVT
     */
    public static Placement place(ImageInfo info, double left, double top, double rw, double rh, int reqW, int reqH,
            boolean keepAspect, boolean allowUpscaling, int maxSize) {
        int fullW = info.width();
        int fullH = info.height();
        float ratio = (float) ((rw * fullW) / (rh * fullH));
        long w;
        long h;
        if (reqW == 0 && reqH > 0) {
            w = Math.round(reqH * (double) ratio);
            h = reqH;
        } else if (reqH == 0 && reqW > 0) {
            w = reqW;
            h = Math.round(reqW / (double) ratio);
        } else if (reqW <= 0 && reqH <= 0) {
            w = fullW;
            h = fullH;
        } else if (keepAspect) {
            double xscale = reqW / (rw * fullW);
            double yscale = reqH / (rh * fullH);
            if (xscale > yscale) {
                w = Math.round(reqH * (double) ratio);
                h = reqH;
            } else {
                w = reqW;
                h = Math.round(reqW / (double) ratio);
            }
        } else {
            w = reqW;
            h = reqH;
        }
        if (w > maxSize || h > maxSize) {
            if (w > h) {
                w = maxSize;
                h = Math.round(maxSize / (double) ratio);
            } else if (h > w) {
                h = maxSize;
                w = Math.round(maxSize * (double) ratio);
            } else {
                w = maxSize;
                h = maxSize;
            }
        }
        // The smallest level whose region still has at least the output's pixels (iipsrv 1.3).
        int n = info.resolutionCount();
        int chosen = 0;
        for (int k = n - 1; k >= 0; k--) {
            Level level = info.levels.get(k);
            double factor = Math.pow(2, k);
            long regionW = rw >= 1 ? level.width() : (long) Math.floor(fullW * rw / factor + FLT_EPSILON);
            long regionH = rh >= 1 ? level.height() : (long) Math.floor(fullH * rh / factor + FLT_EPSILON);
            if (regionW >= w && regionH >= h) {
                chosen = k;
                break;
            }
        }
        Level level = info.levels.get(chosen);
        int resW = level.width();
        int resH = level.height();
        int x = 0;
        int y = 0;
        int width = resW;
        int height = resH;
        boolean viewport = rw < 1 || rh < 1 || left > 0 || top > 0;
        if (viewport) {
            double factor = Math.pow(2, chosen);
            x = (int) Math.min(resW, Math.round(fullW * left / factor));
            y = (int) Math.min(resH, Math.round(fullH * top / factor));
            width = (int) Math.round(rw * fullW / factor);
            height = (int) Math.round(rh * fullH / factor);
            if (x >= resW) {
                x = resW - 1;
            }
            if (y >= resH) {
                y = resH - 1;
            }
            if (width + x > resW) {
                width = resW - x;
            }
            if (height + y > resH) {
                height = resH - y;
            }
            width = Math.max(1, width);
            height = Math.max(1, height);
        }
        if (!allowUpscaling) {
            w = Math.min(w, resW);
            h = Math.min(h, resH);
        }
        w = Math.max(1, w);
        h = Math.max(1, h);
        return new Placement(chosen, x, y, width, height, (int) w, (int) h);
    }
}
