package io.github.iipservlet.protocol.iiif;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The region parameter (IIIF 3.0 and 2.1 section 4.1): {@code full}, {@code square},
 * {@code x,y,w,h} in pixels or {@code pct:x,y,w,h}, as whole level-0 pixels clipped to the image,
 * so a pixel region is exactly those pixels. A region with a zero side or entirely outside the
 * image is a 400.
 *
 * @param x           left edge, pixels
 * @param y           top edge, pixels
 * @param width       at least 1, within the image
 * @param height      at least 1, within the image
 * @param imageWidth  the full image's width
 * @param imageHeight the full image's height
 */
record Region(int x, int y, int width, int height, int imageWidth, int imageHeight) {
    /** Pixels "MUST be non-negative integers" (3.0 section 4; 2.1: "integer numbers"). */
    private static final Pattern INTEGER = Pattern.compile("[0-9]+");
    /** Percentages "MUST consist only of decimal digits and '.'" (3.0 section 4.7; 2.1 section 4). */
    private static final Pattern DECIMAL = Pattern.compile("[0-9]+(\\.[0-9]*)?|\\.[0-9]+");

    static Region parse(String text, int imageWidth, int imageHeight) throws IiifError {
        String region = text.toLowerCase(Locale.ROOT);
        if (region.equals("full")) {
            return new Region(0, 0, imageWidth, imageHeight, imageWidth, imageHeight);
        }
        if (region.equals("square")) {
            // Side min(W, H), centred (iipsrv's single-precision fractions lose a pixel: 699 for 1000x700).
            int side = Math.min(imageWidth, imageHeight);
            return new Region((imageWidth - side) / 2, (imageHeight - side) / 2, side, side, imageWidth,
                    imageHeight);
        }
        boolean pct = region.startsWith("pct:");
        String[] parts = (pct ? region.substring(4) : region).split(",", -1);
        if (parts.length != 4) {
            throw incorrect(text);
        }
        for (String part : parts) {
            if (!(pct ? DECIMAL : INTEGER).matcher(part).matches()) {
                throw incorrect(text);
            }
        }
        long[] h = pct ? percentEdges(parts[0], parts[2], imageWidth) : pixelEdges(parts[0], parts[2]);
        long[] v = pct ? percentEdges(parts[1], parts[3], imageHeight) : pixelEdges(parts[1], parts[3]);
        // A zero side, or nothing of the region inside the image (3.0 and 2.1 section 4.1).
        if (h == null || v == null || h[0] >= imageWidth || v[0] >= imageHeight) {
            throw incorrect(text);
        }
        // Cropped at the image's edge rather than padded (section 4.1).
        int x = (int) h[0];
        int y = (int) v[0];
        return new Region(x, y, (int) Math.min(h[1], imageWidth) - x, (int) Math.min(v[1], imageHeight) - y,
                imageWidth, imageHeight);
    }

    /** Start and end of a pixel span, or null for a zero length. Huge numbers saturate. */
    private static long[] pixelEdges(String start, String length) {
        long s = digits(start);
        long n = digits(length);
        return n == 0 ? null : new long[] {s, s + n};
    }

    private static long digits(String text) {
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            v = Math.min(v * 10 + (text.charAt(i) - '0'), 1L << 40);
        }
        return v;
    }

    /**
     * Start and end of a percent span in pixels, or null for a zero length. The rounding is the
     * server's (3.0 section 4.7): each edge to the nearest pixel, so adjacent pct regions share
     * their edge; a span that overlaps the image keeps at least one pixel.
     */
    private static long[] percentEdges(String start, String length, int size) {
        double s = Double.parseDouble(start);
        double n = Double.parseDouble(length);
        if (!(n > 0)) {
            return null;
        }
        if (s >= 100) {
            return new long[] {size, size};
        }
        long from = Math.min(Math.round(size * s / 100), size - 1L);
        long to = Math.max(Math.round(Math.min(size * (s + n) / 100, 2.0 * size)), from + 1);
        return new long[] {from, to};
    }

    /** The left edge as a fraction of the image width, for the view geometry. */
    double leftFraction() {
        return (double) x / imageWidth;
    }

    double topFraction() {
        return (double) y / imageHeight;
    }

    double widthFraction() {
        return (double) width / imageWidth;
    }

    double heightFraction() {
        return (double) height / imageHeight;
    }

    private static IiifError incorrect(String text) {
        return IiifError.bad("IIIF: incorrect region format: " + text);
    }
}
