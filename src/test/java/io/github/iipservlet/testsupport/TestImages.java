package io.github.iipservlet.testsupport;

/**
 * Deterministic, recognisable test patterns usable as {@link TiffWriter.PixelFunction}s: smooth
 * gradients with a darker 64-pixel grid, so tiles and levels are easy to tell apart by eye and
 * survive JPEG with small errors.
 */
public final class TestImages {
    private TestImages() {
    }

    /** 8-bit RGB: red grows with x, green with y, blue is a slow diagonal wave; grid lines every 64 px. */
    public static double rgb(int x, int y, int c) {
        boolean grid = x % 64 == 0 || y % 64 == 0;
        double v = switch (c) {
            case 0 -> (x / 4) % 256;
            case 1 -> (y / 4) % 256;
            case 2 -> 128 + 100 * Math.sin((x + y) / 50.0);
            default -> 255;
        };
        if (grid) {
            v = v / 4;
        }
        return Math.rint(v);
    }

    /** Expected 8-bit value at (x, y, c) of {@link #rgb}. */
    public static int expectedRgb(int x, int y, int c) {
        return (int) rgb(x, y, c);
    }

    /** 8-bit grey: the luminance-ish mean of {@link #rgb}. */
    public static double grey(int x, int y, int c) {
        return Math.rint((rgb(x, y, 0) + rgb(x, y, 1) + rgb(x, y, 2)) / 3);
    }

    /** 16-bit grey using the full range (noisy low bits, so predictors matter). */
    public static double grey16(int x, int y, int c) {
        return ((x * 131 + y * 257) * 17 + (x * y) % 97) & 0xffff;
    }

    /** 32-bit float elevation-like values (about -500 to 1500). */
    public static double elevation(int x, int y, int c) {
        return 500 + 1000 * Math.sin(x / 37.0) * Math.cos(y / 23.0) + x * 0.001;
    }
}
