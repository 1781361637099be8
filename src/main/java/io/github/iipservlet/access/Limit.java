package io.github.iipservlet.access;

/**
 * What a caller may receive of an image (docs/operations.md "Access control"): everything, nothing,
 * or the image at most {@code pixels} wide and high, at any region.
 *
 * @param pixels the longest side of the whole image the caller may see; {@link Integer#MAX_VALUE}
 *               for full, 0 for none
 */
public record Limit(int pixels) {
    public static final Limit FULL = new Limit(Integer.MAX_VALUE);
    public static final Limit NONE = new Limit(0);

    public Limit {
        if (pixels < 0) {
            throw new IllegalArgumentException("a limit is not negative");
        }
    }

    public boolean full() {
        return pixels == Integer.MAX_VALUE;
    }

    public boolean none() {
        return pixels == 0;
    }

    /**
     * A rule's limit: {@code full}, {@code none}, or a whole number of pixels from 1 to 1,000,000.
     *
     * @throws IllegalArgumentException for anything else, naming what is accepted
     */
    public static Limit parse(String text) {
        if (text.equals("full")) {
            return FULL;
        }
        if (text.equals("none")) {
            return NONE;
        }
        if (text.matches("[0-9]{1,7}")) {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= 1_000_000) {
                return new Limit(n);
            }
        }
        throw new IllegalArgumentException("'" + text
                + "' is not a limit: full, none, or the largest width and height in pixels (1 to 1000000)");
    }

    @Override
    public String toString() {
        return full() ? "full" : none() ? "none" : Integer.toString(pixels);
    }
}
