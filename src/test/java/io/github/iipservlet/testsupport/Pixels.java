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

    public static int channel(int rgb, int c) {
        return (rgb >> (16 - 8 * c)) & 0xff;
    }
}
