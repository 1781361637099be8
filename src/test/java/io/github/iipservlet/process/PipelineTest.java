package io.github.iipservlet.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.process.Processing.Colormap;
import io.github.iipservlet.process.Processing.Colour;
import io.github.iipservlet.parallel.Workers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineTest {

    static ImageInfo info(int channels, int bits, SampleType type, ColourSpace cs, double min, double max) {
        double[] mins = new double[channels];
        double[] maxs = new double[channels];
        java.util.Arrays.fill(mins, min);
        java.util.Arrays.fill(maxs, max);
        return new ImageInfo("tif", List.of(new Level(100, 100, 256, 256)), channels, bits, type, cs, mins, maxs,
                Map.of(), 0, 0, 0, null, 0L);
    }

    static final ImageInfo RGB8 = info(3, 8, SampleType.UNSIGNED_INT, ColourSpace.SRGB, 0, 255);
    static final ImageInfo GREY8 = info(1, 8, SampleType.UNSIGNED_INT, ColourSpace.GREYSCALE, 0, 255);

    static Processing proc(float contrast, float gamma, boolean invert, Colormap cmap, Colour colour, float rot,
            int flip, boolean eq) {
        return new Processing(contrast, gamma, invert, cmap, null, null, colour, rot, flip, eq, null, null, null);
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    static int[] unsigned(PixelBlock b) {
        byte[] d = b.bytes();
        int[] r = new int[b.width * b.height * b.channels];
        for (int i = 0; i < r.length; i++) {
            r[i] = d[i] & 0xff;
        }
        return r;
    }

    static PixelBlock grey(int w, int h, int... v) {
        return PixelBlock.ofBytes(w, h, 1, bytes(v));
    }

    /**
     * The pipeline on an in-memory block, one thread, the histogram computed from the block when
     * contrast stretching needs one and none is given (what the renderer gives it for a tile).
     */
    static PixelBlock render(PixelBlock raw, ImageInfo info, Processing p, int outWidth, int outHeight,
            boolean bilinear, int maxChannels, int[] histogram) {
        int[] hist = histogram;
        if (hist == null && p != null && p.contrast() == Processing.STRETCH) {
            hist = Histogram.of(raw, info);
        }
        try {
            return Pipeline.render(Pipeline.source(raw), info, p, new Pipeline.Options(outWidth, outHeight, bilinear,
                    maxChannels, raw.width, Workers.SERIAL), hist);
        } catch (ImageException e) {
            throw new AssertionError(e);
        }
    }

    static PixelBlock run(PixelBlock in, ImageInfo info, Processing p) {
        return render(in, info, p, 0, 0, true, 3, null);
    }

    @Test
    void identityReturnsSameBlock() {
        PixelBlock in = PixelBlock.ofBytes(2, 2, 3, bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
        assertSame(in, render(in, RGB8, Processing.NONE, 0, 0, true, 3, null));
        assertSame(in, render(in, RGB8, Processing.NONE, 2, 2, true, 3, null));
        assertSame(in, render(in, RGB8, null, -1, -1, false, 4, null));
    }

    @Test
    void sixteenBitFastReduction() {
        ImageInfo i16 = info(1, 16, SampleType.UNSIGNED_INT, ColourSpace.GREYSCALE, 0, 65535);
        PixelBlock in = new PixelBlock(4, 1, 1, 16, SampleType.UNSIGNED_INT,
                new short[] {0, 255, (short) 0x1234, (short) 0xFFFF});
        PixelBlock out = run(in, i16, Processing.NONE);
        assertEquals(8, out.bitsPerSample);
        assertArrayEquals(new int[] {0, 0, 0x12, 0xFF}, unsigned(out));
    }

    @Test
    void thirtyTwoBitIntTakesBits16To23() {
        ImageInfo i32 = info(1, 32, SampleType.UNSIGNED_INT, ColourSpace.GREYSCALE, 0, 4294967295.0);
        PixelBlock in = new PixelBlock(2, 1, 1, 32, SampleType.UNSIGNED_INT, new int[] {0x12345678, 0xFFAB0000});
        assertArrayEquals(new int[] {0x34, 0xAB}, unsigned(run(in, i32, Processing.NONE)));
    }

    @Test
    void floatNormalisedWithImageMinMax() {
        ImageInfo f = info(1, 32, SampleType.FLOAT, ColourSpace.GREYSCALE, 0, 10);
        PixelBlock in = new PixelBlock(5, 1, 1, 32, SampleType.FLOAT,
                new float[] {0f, 5f, 10f, Float.NaN, 20f});
        assertArrayEquals(new int[] {0, 127, 255, 0, 255}, unsigned(run(in, f, Processing.NONE)));
    }

    @Test
    void minMaxOverride() {
        ImageInfo i16 = info(1, 16, SampleType.UNSIGNED_INT, ColourSpace.GREYSCALE, 0, 65535);
        PixelBlock in = new PixelBlock(4, 1, 1, 16, SampleType.UNSIGNED_INT, new short[] {500, 1000, 1500, 3000});
        Processing p = new Processing(1f, 1f, false, Colormap.NONE, new double[] {1000}, new double[] {2000},
                Colour.COLOUR, 0f, 0, false, null, null, null);
        assertArrayEquals(new int[] {0, 0, 127, 255}, unsigned(run(in, i16, p)));
        // NaN keeps the image's own value: max stays 65535
        Processing minOnly = new Processing(1f, 1f, false, Colormap.NONE, new double[] {1000},
                new double[] {Double.NaN}, Colour.COLOUR, 0f, 0, false, null, null, null);
        PixelBlock in2 = new PixelBlock(3, 1, 1, 16, SampleType.UNSIGNED_INT,
                new short[] {1000, (short) 33267, (short) 65535});
        // (v - 1000) * (float) (1 / 64535): the maximum lands at 0.99999994 -> 254 (float arithmetic as iipsrv)
        int[] u = unsigned(run(in2, i16, minOnly));
        assertEquals(0, u[0]);
        assertEquals(127, u[1]);
        assertTrue(u[2] >= 254);
    }

    @Test
    void contrastOneAndHalf() {
        // out = trunc(clamp(v/255 * 255 * 1.5))
        PixelBlock out = run(grey(4, 1, 0, 50, 100, 200), GREY8,
                proc(1.5f, 1f, false, Colormap.NONE, Colour.COLOUR, 0, 0, false));
        assertArrayEquals(new int[] {0, 75, 150, 255}, unsigned(out));
    }

    @Test
    void gammaPointSix() {
        // (25/255)^0.6*255 = 63.29, (100/255)^0.6*255 = 145.42, (200/255)^0.6*255 = 220.41
        PixelBlock out = run(grey(4, 1, 25, 100, 200, 255), GREY8,
                proc(1f, 0.6f, false, Colormap.NONE, Colour.COLOUR, 0, 0, false));
        assertArrayEquals(new int[] {63, 145, 220, 255}, unsigned(out));
    }

    @Test
    void logTransform() {
        // ln(1 + 255 v)/ln 256: v=0 -> 0, v=1 -> 1, v=15/255 -> ln16/ln256 = 0.5 -> 127
        PixelBlock out = run(grey(3, 1, 0, 15, 255), GREY8,
                proc(1f, Processing.LOG, false, Colormap.NONE, Colour.COLOUR, 0, 0, false));
        assertArrayEquals(new int[] {0, 127, 255}, unsigned(out));
    }

    @Test
    void invert() {
        PixelBlock out = run(grey(4, 1, 0, 100, 200, 255), GREY8,
                proc(1f, 1f, true, Colormap.NONE, Colour.COLOUR, 0, 0, false));
        // 1 - v in single precision, then truncation (as iipsrv): 255 - 100 lands just below 155
        assertArrayEquals(new int[] {255, 154, 54, 0}, unsigned(out));
    }

    @Test
    void colormaps() {
        ImageInfo f = info(1, 32, SampleType.FLOAT, ColourSpace.GREYSCALE, 0, 1);
        PixelBlock in = new PixelBlock(3, 1, 1, 32, SampleType.FLOAT, new float[] {0.1f, 0.5f, 0.9f});
        int[][] expected = {
            {76, 0, 0, 255, 127, 0, 255, 255, 178}, // HOT
            {0, 0, 76, 0, 127, 255, 178, 255, 255}, // COLD
            {0, 0, 229, 127, 255, 127, 229, 0, 0}, // JET
            {0, 0, 25, 0, 0, 127, 0, 0, 229}, // BLUE
            {0, 25, 0, 0, 127, 0, 0, 229, 0}, // GREEN
            {25, 0, 0, 127, 0, 0, 229, 0, 0}, // RED
        };
        Colormap[] maps = {Colormap.HOT, Colormap.COLD, Colormap.JET, Colormap.BLUE, Colormap.GREEN, Colormap.RED};
        for (int m = 0; m < maps.length; m++) {
            PixelBlock out = run(in, f, proc(1f, 1f, false, maps[m], Colour.COLOUR, 0, 0, false));
            assertEquals(3, out.channels);
            assertArrayEquals(expected[m], unsigned(out), maps[m].name());
        }
    }

    @Test
    void greyscaleIntegerFormula() {
        PixelBlock in = PixelBlock.ofBytes(4, 1, 3, bytes(255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 150, 200));
        PixelBlock out = run(in, RGB8, proc(1f, 1f, false, Colormap.NONE, Colour.GREY, 0, 0, false));
        assertEquals(1, out.channels);
        // (1254097 R + 2462056 G + 478151 B) >> 22
        assertArrayEquals(new int[] {76, 149, 29, 140}, unsigned(out));
        // not applied to greyscale images' colormapped output
        PixelBlock g = run(grey(1, 1, 128), GREY8, proc(1f, 1f, false, Colormap.RED, Colour.GREY, 0, 0, false));
        assertEquals(3, g.channels);
    }

    @Test
    void bitonalUsesOtsuThresholdOfHistogram() {
        int[] hist = new int[256];
        for (int i = 40; i <= 60; i++) {
            hist[i] = 10 - Math.abs(50 - i) / 2;
        }
        for (int i = 190; i <= 210; i++) {
            hist[i] = 10 - Math.abs(200 - i) / 2;
        }
        int t = Histogram.otsu(hist);
        assertEquals(60, t); // between-class variance is flat across the gap; the first maximum is kept
        PixelBlock in = grey(6, 1, 0, 45, 59, 60, 120, 205);
        PixelBlock out = render(in, GREY8, proc(1f, 1f, false, Colormap.NONE, Colour.BITONAL, 0, 0, false),
                0, 0, true, 3, hist);
        assertArrayEquals(new int[] {0, 0, 0, 255, 255, 255}, unsigned(out));
        assertArrayEquals(new int[] {0, 45, 59, 60, 120, 205}, unsigned(in)); // input untouched
        // colour input is converted to grey first
        PixelBlock rgb = PixelBlock.ofBytes(2, 1, 3, bytes(255, 0, 0, 0, 255, 0)); // greys 76 and 149
        int[] h2 = new int[256];
        h2[76] = 1;
        h2[149] = 1;
        PixelBlock out2 = render(rgb, RGB8, proc(1f, 1f, false, Colormap.NONE, Colour.BITONAL, 0, 0, false),
                0, 0, true, 3, h2);
        assertEquals(1, out2.channels);
        for (int v : unsigned(out2)) {
            assertTrue(v == 0 || v == 255);
        }
    }

    @Test
    void otsuSeparatesClusters() {
        int[] hist = new int[256];
        hist[20] = 30;
        hist[30] = 50;
        hist[35] = 20;
        hist[180] = 40;
        hist[220] = 60;
        int t = Histogram.otsu(hist);
        assertTrue(t >= 35 && t < 180, "threshold " + t);
    }

    @Test
    void equalisation() {
        int[] hist = new int[256];
        for (int i = 0; i < 64; i++) {
            hist[i] = 4; // cdf[i] = 4(i+1), total 256
        }
        byte[] px = new byte[256];
        px[0] = 0;
        px[1] = 31;
        px[2] = 63;
        px[3] = (byte) 200;
        PixelBlock out = render(PixelBlock.ofBytes(16, 16, 1, px), GREY8,
                proc(1f, 1f, false, Colormap.NONE, Colour.COLOUR, 0, 0, true), 0, 0, true, 3, hist);
        // lut[i] = round(255/256 * (4(i+1) - 4/256))
        int[] u = unsigned(out);
        assertEquals(4, u[0]);
        assertEquals(127, u[1]);
        assertEquals(255, u[2]);
        assertEquals(255, u[3]);
        assertEquals(4, u[4]); // the zeros
    }

    @Test
    void flipsAndRotations() {
        PixelBlock in = grey(3, 2, 1, 2, 3, 4, 5, 6);
        PixelBlock r90 = run(in, GREY8, proc(1f, 1f, false, Colormap.NONE, Colour.COLOUR, 90, 0, false));
        assertEquals(2, r90.width);
        assertEquals(3, r90.height);
        assertArrayEquals(new int[] {4, 1, 5, 2, 6, 3}, unsigned(r90));
        PixelBlock r180 = run(in, GREY8, proc(1f, 1f, false, Colormap.NONE, Colour.COLOUR, 180, 0, false));
        assertArrayEquals(new int[] {6, 5, 4, 3, 2, 1}, unsigned(r180));
        PixelBlock r270 = run(in, GREY8, proc(1f, 1f, false, Colormap.NONE, Colour.COLOUR, 270, 0, false));
        assertEquals(2, r270.width);
        assertArrayEquals(new int[] {3, 6, 2, 5, 1, 4}, unsigned(r270));
        PixelBlock r45 = run(in, GREY8, proc(1f, 1f, false, Colormap.NONE, Colour.COLOUR, 45, 0, false));
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, unsigned(r45));
        PixelBlock h = run(in, GREY8, proc(1f, 1f, false, Colormap.NONE, Colour.COLOUR, 0, 1, false));
        assertArrayEquals(new int[] {3, 2, 1, 6, 5, 4}, unsigned(h));
        PixelBlock v = run(in, GREY8, proc(1f, 1f, false, Colormap.NONE, Colour.COLOUR, 0, 2, false));
        assertArrayEquals(new int[] {4, 5, 6, 1, 2, 3}, unsigned(v));
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, unsigned(in)); // input untouched
        // mirror first, then rotate: !90
        PixelBlock m90 = run(in, GREY8, proc(1f, 1f, false, Colormap.NONE, Colour.COLOUR, 90, 1, false));
        assertArrayEquals(new int[] {6, 3, 5, 2, 4, 1}, unsigned(m90));
        // RGB pixels move as a whole
        PixelBlock rgb = PixelBlock.ofBytes(2, 1, 3, bytes(1, 2, 3, 4, 5, 6));
        PixelBlock rgb90 = run(rgb, RGB8, proc(1f, 1f, false, Colormap.NONE, Colour.COLOUR, 90, 0, false));
        assertEquals(1, rgb90.width);
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, unsigned(rgb90));
        PixelBlock rgbFlip = run(rgb, RGB8, proc(1f, 1f, false, Colormap.NONE, Colour.COLOUR, 0, 1, false));
        assertArrayEquals(new int[] {4, 5, 6, 1, 2, 3}, unsigned(rgbFlip));
    }

    @Test
    void nearestResize() {
        PixelBlock in = grey(4, 2, 0, 10, 20, 30, 100, 110, 120, 130);
        PixelBlock down = render(in, GREY8, Processing.NONE, 2, 1, false, 3, null);
        assertEquals(2, down.width);
        assertEquals(1, down.height);
        assertArrayEquals(new int[] {0, 20}, unsigned(down));
        PixelBlock up = render(in, GREY8, Processing.NONE, 8, 4, false, 3, null);
        assertEquals(8 * 4, up.bytes().length);
        assertArrayEquals(new int[] {0, 0, 10, 10, 20, 20, 30, 30}, java.util.Arrays.copyOfRange(unsigned(up), 0, 8));
        assertArrayEquals(new int[] {100, 100, 110, 110, 120, 120, 130, 130},
                java.util.Arrays.copyOfRange(unsigned(up), 16, 24));
    }

    @Test
    void bilinearResize() {
        // gradient 0,40,80,120,160 in 5 columns, 2 equal rows; upscale x2 horizontally
        PixelBlock in = grey(5, 2, 0, 40, 80, 120, 160, 0, 40, 80, 120, 160);
        PixelBlock up = render(in, GREY8, Processing.NONE, 10, 2, true, 3, null);
        assertEquals(10, up.width);
        assertEquals(2, up.height);
        int[] u = unsigned(up);
        // not centre-aligned: x' = i/2; midpoints interpolate; the last column of row 0 blends with
        // the first pixel of row 1 (iipsrv's flat-buffer neighbour), row 1 clamps to the last pixel
        assertArrayEquals(new int[] {0, 20, 40, 60, 80, 100, 120, 140, 160, 80}, java.util.Arrays.copyOf(u, 10));
        assertArrayEquals(new int[] {0, 20, 40, 60, 80, 100, 120, 140, 160, 160},
                java.util.Arrays.copyOfRange(u, 10, 20));
        // downscale 5x2 -> 2x1: xscale 2.5 -> columns 0 and 2.5 (=100), yscale 2 -> row 0
        PixelBlock down = render(in, GREY8, Processing.NONE, 2, 1, true, 3, null);
        assertArrayEquals(new int[] {0, 100}, unsigned(down));
    }

    @Test
    void resizeRowRangesComposeToWhole() {
        byte[] src = new byte[37 * 23 * 3];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) (i * 7);
        }
        byte[] whole = Resampler.bilinear(src, 37, 23, 3, 50, 11);
        byte[] parts = new byte[whole.length];
        Resampler.bilinearRows(src, 37, 23, 3, parts, 50, 11, 0, 4);
        Resampler.bilinearRows(src, 37, 23, 3, parts, 50, 11, 4, 11);
        assertArrayEquals(whole, parts);
    }

    @Test
    void channelReduction() {
        PixelBlock two = PixelBlock.ofBytes(2, 1, 2, bytes(10, 255, 20, 255));
        PixelBlock jpeg = render(two, info(2, 8, SampleType.UNSIGNED_INT, ColourSpace.GREYSCALE, 0, 255),
                Processing.NONE, 0, 0, true, 3, null);
        assertEquals(1, jpeg.channels);
        assertArrayEquals(new int[] {10, 20}, unsigned(jpeg));
        PixelBlock png = render(two, info(2, 8, SampleType.UNSIGNED_INT, ColourSpace.GREYSCALE, 0, 255),
                Processing.NONE, 0, 0, true, 4, null);
        assertSame(two, png);
        PixelBlock four = PixelBlock.ofBytes(1, 1, 4, bytes(1, 2, 3, 4));
        PixelBlock three = render(four, info(4, 8, SampleType.UNSIGNED_INT, ColourSpace.SRGB, 0, 255),
                Processing.NONE, 0, 0, true, 3, null);
        assertArrayEquals(new int[] {1, 2, 3}, unsigned(three));
    }

    @Test
    void cielabToSrgb() {
        ImageInfo lab = info(3, 8, SampleType.UNSIGNED_INT, ColourSpace.CIELAB, 0, 255);
        // 8-bit: L = v0/2.55, a,b signed bytes
        PixelBlock white = PixelBlock.ofBytes(1, 1, 3, bytes(255, 0, 0));
        int[] w = unsigned(run(white, lab, Processing.NONE));
        for (int v : w) {
            assertTrue(v >= 254, "white " + java.util.Arrays.toString(w));
        }
        ImageInfo labF = info(3, 32, SampleType.FLOAT, ColourSpace.CIELAB, 0, 1);
        PixelBlock red = new PixelBlock(2, 1, 3, 32, SampleType.FLOAT,
                new float[] {53.24f, 80.09f, 67.20f, 0f, 0f, 0f});
        int[] r = unsigned(run(red, labF, Processing.NONE));
        assertTrue(r[0] >= 253 && r[1] <= 2 && r[2] <= 2, java.util.Arrays.toString(r));
        assertArrayEquals(new int[] {0, 0, 0}, java.util.Arrays.copyOfRange(r, 3, 6));
        // 16-bit encoding: L = (v0 >> 1) / 327.67, a = (int16) v1 >> 8
        ImageInfo lab16 = info(3, 16, SampleType.UNSIGNED_INT, ColourSpace.CIELAB, 0, 65535);
        PixelBlock white16 = new PixelBlock(1, 1, 3, 16, SampleType.UNSIGNED_INT, new short[] {(short) 65535, 0, 0});
        for (int v : unsigned(run(white16, lab16, Processing.NONE))) {
            assertTrue(v >= 254);
        }
    }

    @Test
    void histogramUsesRoundedChannelMean() {
        PixelBlock rgb = PixelBlock.ofBytes(2, 1, 3, bytes(10, 20, 31, 255, 255, 255)); // mean 20.33 -> 20
        int[] h = Histogram.of(rgb, RGB8);
        assertEquals(1, h[20]);
        assertEquals(1, h[255]);
        ImageInfo i16 = info(1, 16, SampleType.UNSIGNED_INT, ColourSpace.GREYSCALE, 0, 65535);
        int[] h16 = Histogram.of(new PixelBlock(2, 1, 1, 16, SampleType.UNSIGNED_INT, new short[] {0, (short) 65535}),
                i16);
        assertEquals(1, h16[0]);
        assertEquals(1, h16[255]);
    }

    @Test
    void contrastStretchUsesHistogramRange() {
        int[] hist = new int[256];
        hist[50] = 1;
        hist[150] = 1;
        PixelBlock out = render(grey(3, 1, 50, 100, 150), GREY8,
                proc(Processing.STRETCH, 1f, false, Colormap.NONE, Colour.COLOUR, 0, 0, false), 0, 0, true, 3, hist);
        assertArrayEquals(new int[] {0, 127, 255}, unsigned(out));
    }

    @Test
    void lookupTablePathMatchesPerSamplePath() {
        // 16-bit blocks of >= 65536 pixels go through a lookup table, smaller ones sample by sample
        ImageInfo i16 = info(2, 16, SampleType.UNSIGNED_INT, ColourSpace.GREYSCALE, 0, 65535);
        short[] big = new short[256 * 256 * 2];
        for (int i = 0; i < big.length; i++) {
            big[i] = (short) (i * 7919);
        }
        for (Processing p : new Processing[] {
            proc(1.3f, 0.7f, true, Colormap.NONE, Colour.COLOUR, 0, 0, false),
            proc(1f, Processing.LOG, false, Colormap.JET, Colour.COLOUR, 0, 0, false),
            new Processing(1f, 1f, false, Colormap.NONE, new double[] {1000, 5000}, new double[] {40000, 9000},
                    Colour.COLOUR, 0f, 0, false, null, null, null)}) {
            PixelBlock whole = render(new PixelBlock(256, 256, 2, 16, SampleType.UNSIGNED_INT, big), i16, p,
                    0, 0, true, 4, null);
            for (int row : new int[] {0, 77, 255}) {
                short[] one = java.util.Arrays.copyOfRange(big, row * 512, row * 512 + 512);
                PixelBlock r = render(new PixelBlock(256, 1, 2, 16, SampleType.UNSIGNED_INT, one), i16, p, 0,
                        0, true, 4, null);
                int len = 256 * whole.channels;
                assertArrayEquals(r.bytes(), java.util.Arrays.copyOfRange(whole.bytes(), row * len, row * len + len));
            }
        }
    }
}
