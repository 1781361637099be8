package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.config.CNumbers;
import java.util.Locale;

/**
 * The region parameter (spec 8.5.1) as fractions of the full image: {@code full}, {@code square},
 * {@code x,y,w,h} in pixels or {@code pct:x,y,w,h}. A region reaching past the image is clipped;
 * one with nothing left inside it is a 400.
 */
record Region(double left, double top, double width, double height) {
    static final Region FULL = new Region(0, 0, 1, 1);

    static Region parse(String text, int imageWidth, int imageHeight) throws IiifError {
        String region = text.toLowerCase(Locale.ROOT);
        if (region.equals("full")) {
            return FULL;
        }
        if (region.equals("square")) {
            return square(imageWidth, imageHeight);
        }
        boolean pct = region.startsWith("pct:");
        String[] parts = (pct ? region.substring(4) : region).split(",", -1);
        if (parts.length != 4) {
            throw incorrect(text);
        }
        double[] v = new double[4];
        for (int i = 0; i < 4; i++) {
            if (!CNumbers.isWellFormed(parts[i], true)) {
                throw incorrect(text);
            }
            v[i] = CNumbers.atof(parts[i]);
        }
        double x = pct ? v[0] / 100 : v[0] / imageWidth;
        double y = pct ? v[1] / 100 : v[1] / imageHeight;
        double w = pct ? v[2] / 100 : v[2] / imageWidth;
        double h = pct ? v[3] / 100 : v[3] / imageHeight;
        if (x + w > 1) {
            w = 1 - x;
        }
        if (y + h > 1) {
            h = 1 - y;
        }
        // Nothing of the image left (zero size, or a region starting outside the image).
        if (!(w > 0) || !(h > 0) || x >= 1 || y >= 1) {
            throw incorrect(text);
        }
        return new Region(Math.max(0, x), Math.max(0, y), w, h);
    }

    /** The centred square of side min(W, H), in single precision as iipsrv (1000x700 gives 699x699). */
    private static Region square(int imageWidth, int imageHeight) {
        if (imageHeight > imageWidth) {
            float h = (float) imageWidth / imageHeight;
            return new Region(0, (1f - h) / 2f, 1, h);
        }
        if (imageWidth > imageHeight) {
            float w = (float) imageHeight / imageWidth;
            return new Region((1f - w) / 2f, 0, w, 1);
        }
        return FULL;
    }

    private static IiifError incorrect(String text) {
        return IiifError.bad("IIIF: incorrect region format: " + text);
    }
}
