package io.github.iipservlet.process;

import com.twelvemonkeys.imageio.plugins.tiff.TIFFImageReaderSpi;
import io.github.iipservlet.image.PixelBlock;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.random.RandomGenerator;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.ImageIO;

/**
 * iipsrv's watermark (docs/protocols.md 5.5): an image read once from the TIFF file named by WATERMARK,
 * pre-multiplied by its alpha and WATERMARK_OPACITY, and added with saturation at a random place
 * of each block of an output image, each block with probability WATERMARK_PROBABILITY.
 *
 * <p>Immutable after loading; shared by all requests.
 */
public final class Watermark {
    private final int width;
    private final int height;
    /** Pre-multiplied 8-bit RGB, interleaved. */
    private final byte[] rgb;
    private final double probability;

    Watermark(int width, int height, byte[] rgb, double probability) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
        this.probability = probability;
    }

    /**
     * Reads the watermark file with TwelveMonkeys' TIFF reader (chosen by class: the WAR also
     * carries jai-imageio's TIFF reader, and ImageIO's order between them is not defined).
     *
     * @return the watermark, or null when it would never show (probability or opacity 0)
     * @throws IOException when the file cannot be read as a TIFF image
     */
    public static Watermark load(Path file, double probability, double opacity) throws IOException {
        if (probability <= 0 || opacity <= 0) {
            return null;
        }
        BufferedImage image;
        ImageReader reader = new TIFFImageReaderSpi().createReaderInstance(null);
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot open " + file);
            }
            reader.setInput(in);
            image = reader.read(0);
        } catch (RuntimeException e) {
            throw new IOException("not a readable TIFF image: " + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
        int w = image.getWidth();
        int h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0, o = 0; i < argb.length; i++) {
            int p = argb[i];
            double a = opacity * ((p >>> 24) / 255.0);
            rgb[o++] = (byte) (int) (((p >> 16) & 0xff) * a);
            rgb[o++] = (byte) (int) (((p >> 8) & 0xff) * a);
            rgb[o++] = (byte) (int) ((p & 0xff) * a);
        }
        return new Watermark(w, h, rgb, Math.min(1, probability));
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /**
     * The block with the watermark added in blocks of {@code blockSize} pixels (square; the last
     * row and column of blocks may be smaller). Writes into the block's own array unless
     * {@code copy}, when a new block is returned (the caller's pixels are then left alone).
     */
    public PixelBlock apply(PixelBlock block, int blockSize, boolean copy, RandomGenerator random) {
        byte[] px = copy ? block.bytes().clone() : block.bytes();
        int w = block.width;
        int h = block.height;
        int step = Math.max(1, blockSize);
        for (int by = 0; by < h; by += step) {
            for (int bx = 0; bx < w; bx += step) {
                int bw = Math.min(step, w - bx);
                int bh = Math.min(step, h - by);
                if (random.nextDouble() < probability) {
                    int xoff = bw > width ? (int) (random.nextDouble() * (bw - width)) : 0;
                    int yoff = bh > height ? (int) (random.nextDouble() * (bh - height)) : 0;
                    add(px, w, block.channels, bx + xoff, by + yoff, Math.min(width, bw), Math.min(height, bh));
                }
            }
        }
        return copy ? PixelBlock.ofBytes(w, h, block.channels, px) : block;
    }

    /**
     * Adds the watermark's top-left cw x ch part at (x0, y0), saturating at 255. Channel k takes
     * the watermark's channel k (a grey image its red); an alpha channel (the second of two, the
     * fourth of four) is left alone.
     */
    private void add(byte[] px, int w, int channels, int x0, int y0, int cw, int chh) {
        int colour = channels == 2 ? 1 : Math.min(channels, 3);
        for (int y = 0; y < chh; y++) {
            int o = ((y0 + y) * w + x0) * channels;
            int s = y * width * 3;
            for (int x = 0; x < cw; x++, o += channels, s += 3) {
                for (int k = 0; k < colour; k++) {
                    int v = (px[o + k] & 0xff) + (rgb[s + k] & 0xff);
                    px[o + k] = (byte) (v > 255 ? 255 : v);
                }
            }
        }
    }
}
