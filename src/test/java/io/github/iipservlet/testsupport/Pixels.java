package io.github.iipservlet.testsupport;

import java.awt.image.BufferedImage;

/** Pixel comparisons for tests. */
public final class Pixels {
    private Pixels() {
    }

    /** PSNR in dB of an image against an expected-sample function over its RGB (or grey) pixels. */
    public static double psnr(BufferedImage img, TiffWriter.PixelFunction expected, int channels) {
        double sum = 0;
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                for (int c = 0; c < channels; c++) {
                    double got = channels == 1 ? img.getRaster().getSample(x, y, 0) : channel(img.getRGB(x, y), c);
                    double d = got - expected.sample(x, y, c);
                    sum += d * d;
                    n++;
                }
            }
        }
        double mse = sum / n;
        return mse == 0 ? 99 : 10 * Math.log10(255.0 * 255.0 / mse);
    }

    /** PSNR in dB of the first three (or one) bands of two 8-bit images of the same size. */
    public static double psnr(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
            throw new AssertionError("sizes differ: " + a.getWidth() + "x" + a.getHeight() + " and " + b.getWidth()
                    + "x" + b.getHeight());
        }
        int bands = Math.min(3, Math.min(a.getRaster().getNumBands(), b.getRaster().getNumBands()));
        double sum = 0;
        long n = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                for (int c = 0; c < bands; c++) {
                    double d = a.getRaster().getSample(x, y, c) - b.getRaster().getSample(x, y, c);
                    sum += d * d;
                    n++;
                }
            }
        }
        return sum == 0 ? 99 : 10 * Math.log10(255.0 * 255 * n / sum);
    }

    /** Largest difference of any sample of two images of the same size and bands. */
    public static int maxDifference(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()
                || a.getRaster().getNumBands() != b.getRaster().getNumBands()) {
            throw new AssertionError("images differ in size or bands");
        }
        int max = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                for (int c = 0; c < a.getRaster().getNumBands(); c++) {
                    max = Math.max(max, Math.abs(a.getRaster().getSample(x, y, c) - b.getRaster().getSample(x, y, c)));
                }
            }
        }
        return max;
    }

    public static int channel(int rgb, int c) {
        return (rgb >> (16 - 8 * c)) & 0xff;
    }
}
