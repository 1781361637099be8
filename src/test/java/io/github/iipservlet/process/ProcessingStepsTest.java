package io.github.iipservlet.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.parallel.Workers;
import io.github.iipservlet.process.Processing.Colormap;
import io.github.iipservlet.process.Processing.Colour;
import io.github.iipservlet.process.Processing.Shade;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Hill-shading, colour twist, convolution, their order in the float pipeline (docs/protocols.md
 * 5.2 step 4, formulas of docs/protocols.md 5.3), banded rendering on several threads, and the
 * watermark blend (docs/protocols.md 5.5).
 */
class ProcessingStepsTest {
    static final ImageInfo RGB8 = PipelineTest.RGB8;
    static final ImageInfo GREY8 = PipelineTest.GREY8;

    static Processing with(Shade shade, float[][] twist, float[] kernel) {
        return new Processing(1f, 1f, false, Colormap.NONE, null, null, Colour.COLOUR, 0f, 0, false, shade, twist,
                kernel);
    }

    static Processing full(float contrast, float gamma, boolean invert, Colormap cmap, Shade shade, float[][] twist,
            float[] kernel) {
        return new Processing(contrast, gamma, invert, cmap, null, null, Colour.COLOUR, 0f, 0, false, shade, twist,
                kernel);
    }

    static int[] run(PixelBlock in, ImageInfo info, Processing p, int maxChannels) {
        return PipelineTest.unsigned(PipelineTest.render(in, info, p, 0, 0, true, maxChannels, null));
    }

    /** iipsrv's quantisation of a normalised value: clamp(v * 255, 0, 255) truncated. */
    static int q(double v) {
        double s = v * 255.0;
        return s <= 0 ? 0 : s >= 255 ? 255 : (int) s;
    }

    // ---- colour twist ---------------------------------------------------------------------------

    @Test
    void colourTwistRowsBecomeOutputChannels() {
        PixelBlock in = PixelBlock.ofBytes(2, 1, 3, PipelineTest.bytes(200, 100, 50, 0, 255, 10));
        float[][] m = {{0.2f, 0.5f, 0.3f}, {1f, 0f, 0f}, {0f, 0f, 1f}};
        int[] out = run(in, RGB8, with(null, m, null), 3);
        int[] expected = new int[6];
        int[][] px = {{200, 100, 50}, {0, 255, 10}};
        for (int p = 0; p < 2; p++) {
            for (int k = 0; k < 3; k++) {
                double v = 0;
                for (int j = 0; j < 3; j++) {
                    v += m[k][j] * (px[p][j] / 255.0);
                }
                expected[p * 3 + k] = q(v);
            }
        }
        // single-precision sums may land one below the exact value
        for (int i = 0; i < 6; i++) {
            assertTrue(Math.abs(expected[i] - out[i]) <= 1, Arrays.toString(out) + " vs " + Arrays.toString(expected));
        }
        assertEquals(200, out[1]);
        assertEquals(50, out[2]);
    }

    @Test
    void colourTwistChannelCountFollowsRowsAndEncoderLimits() {
        PixelBlock in = PixelBlock.ofBytes(1, 1, 3, PipelineTest.bytes(255, 0, 0));
        // one row: a grey output
        PixelBlock one = PipelineTest.render(in, RGB8, with(null, new float[][] {{0.5f, 0.5f, 0f}}, null), 0, 0, true, 3,
                null);
        assertEquals(1, one.channels);
        assertEquals(127, PipelineTest.unsigned(one)[0]);
        // two rows: JPEG keeps one channel, PNG two
        float[][] two = {{1f}, {0f, 0f, 1f}};
        assertEquals(1, PipelineTest.render(in, RGB8, with(null, two, null), 0, 0, true, 3, null).channels);
        assertArrayEquals(new int[] {255, 0}, run(in, RGB8, with(null, two, null), 4));
        // five rows: JPEG and PNG keep three; values past the image's channels are ignored
        float[][] five = {{1f, 0f, 0f, 9f}, {0f, 0f, 0f}, {0.5f}, {1f}, {1f}};
        assertArrayEquals(new int[] {255, 0, 127}, run(in, RGB8, with(null, five, null), 4));
        assertArrayEquals(new int[] {255, 0, 127}, run(in, RGB8, with(null, five, null), 3));
        // a twist of a grey image reads channel 0 only
        assertArrayEquals(new int[] {50, 100, 0},
                run(PipelineTest.grey(1, 1, 100), GREY8, with(null, new float[][] {{0.5f, 7f}, {1f}, {0f}}, null), 3));
    }

    @Test
    void twistRunsBeforeGammaInvertAndColormap() {
        PixelBlock in = PixelBlock.ofBytes(1, 1, 3, PipelineTest.bytes(255, 51, 0));
        // twisted: 0.2 (from green); gamma 0.5 -> 0.4472; invert -> 0.5528; HOT: (1, 3v-1, 0) = (1, 0.658, 0)
        int[] out = run(in, RGB8, full(1f, 0.5f, true, Colormap.HOT, null, new float[][] {{0f, 1f, 0f}}, null), 3);
        double v = 1 - Math.sqrt(51 / 255.0);
        assertEquals(255, out[0]);
        assertTrue(Math.abs(q(3 * v - 1) - out[1]) <= 1, Arrays.toString(out));
        assertEquals(0, out[2]);
    }

    // ---- hill-shading ---------------------------------------------------------------------------

    /** docs/protocols.md 5.3: the light vector and the shade of a normal-map pixel, in double precision. */
    static double shadeOfNormalMap(int azimuth, int elevation, double r, double g, double b) {
        double[] s = light(azimuth, elevation);
        if (r == 0 && g == 0 && b == 0) {
            return 0;
        }
        double d = 0.5 * (s[0] * -(r - 0.5) * 2 + s[1] * -(g - 0.5) * 2 + s[2] * -(b - 0.5) * 2);
        return Math.max(0, Math.min(1, d));
    }

    static double[] light(int azimuth, int elevation) {
        double a = Math.toRadians(azimuth);
        double sy = Math.cos(a);
        double sx = Math.sqrt(1 - sy * sy) * (azimuth > 180 ? -1 : 1);
        double sz = -Math.sin(Math.toRadians(elevation));
        double n = Math.sqrt(sx * sx + sy * sy + sz * sz);
        return new double[] {sx / n, sy / n, sz / n};
    }

    @Test
    void hillShadingOfANormalMapFollowsTheFormula() {
        int[][] normals = {{128, 128, 255}, {0, 0, 0}, {255, 128, 128}, {10, 200, 90}, {128, 0, 200}, {255, 255, 0}};
        byte[] data = new byte[normals.length * 3];
        for (int i = 0; i < normals.length; i++) {
            for (int c = 0; c < 3; c++) {
                data[i * 3 + c] = (byte) normals[i][c];
            }
        }
        PixelBlock in = PixelBlock.ofBytes(normals.length, 1, 3, data);
        for (int[] angles : new int[][] {{0, 90}, {45, 30}, {200, 60}, {315, 10}}) {
            int[] out = run(in, RGB8, with(new Shade(angles[0], angles[1]), null, null), 3);
            assertEquals(normals.length, out.length, "one channel");
            for (int i = 0; i < normals.length; i++) {
                int expected = q(shadeOfNormalMap(angles[0], angles[1], normals[i][0] / 255.0, normals[i][1] / 255.0,
                        normals[i][2] / 255.0));
                assertTrue(Math.abs(expected - out[i]) <= 1,
                        "pixel " + i + " at " + Arrays.toString(angles) + ": " + out[i] + " vs " + expected);
            }
        }
        // iipsrv's light vector is (sin a, cos a, -sin e) normalised, so elevation 90 at azimuth 0
        // lights a flat surface at 45 degrees: 0.5 cos 45
        assertEquals(q(0.5 * Math.sqrt(0.5)), run(PixelBlock.ofBytes(1, 1, 3, PipelineTest.bytes(128, 128, 255)),
                RGB8, with(new Shade(0, 90), null, null), 3)[0], 1);
    }

    @Test
    void hillShadingReadsOnlyTheFirstThreeOfMoreChannels() {
        // four channels (RGBA): the normal is channels 0-2, the output one channel; no over-read
        PixelBlock rgba = PixelBlock.ofBytes(2, 1, 4, PipelineTest.bytes(128, 128, 255, 7, 255, 128, 128, 9));
        int[] out = run(rgba, PipelineTest.info(4, 8, SampleType.UNSIGNED_INT, ColourSpace.SRGB, 0, 255),
                with(new Shade(90, 45), null, null), 4);
        assertEquals(2, out.length);
        assertEquals(q(shadeOfNormalMap(90, 45, 128 / 255.0, 128 / 255.0, 1)), out[0], 1);
        assertEquals(q(shadeOfNormalMap(90, 45, 1, 128 / 255.0, 128 / 255.0)), out[1], 1);
    }

    /** A height field rising to the right by {@code step} (normalised) per pixel, 5 x 3. */
    static PixelBlock ramp(float step) {
        float[] v = new float[15];
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                v[y * 5 + x] = x * step;
            }
        }
        return new PixelBlock(5, 3, 1, 32, SampleType.FLOAT, v);
    }

    @Test
    void hillShadingOfAHeightFieldLightsSlopesFacingTheLight() {
        ImageInfo dem = PipelineTest.info(1, 32, SampleType.FLOAT, ColourSpace.GREYSCALE, 0, 1);
        float step = 0.01f;
        int levelWidth = 400; // slope per pixel = step * RELIEF * levelWidth = 0.25
        PixelBlock ramp = ramp(step);
        // The ramp rises to the right, so it faces left (west, azimuth 270) and away from the east (90).
        int west = shadeAt(ramp, dem, new Shade(270, 30), levelWidth, 2, 1);
        int east = shadeAt(ramp, dem, new Shade(90, 30), levelWidth, 2, 1);
        int north = shadeAt(ramp, dem, new Shade(0, 30), levelWidth, 2, 1);
        assertTrue(west > north && north > east, west + " " + north + " " + east);
        // exact value: normal (-slope, 0, 1) normalised, lit by the light vector of docs/protocols.md 5.3
        double slope = step * FloatSteps.RELIEF * levelWidth;
        double len = Math.sqrt(slope * slope + 1);
        double[] s = light(270, 30);
        // the light vector travels: x to the left, y down, z out of the image (see FloatSteps)
        double expected = 0.5 * -(s[0] * (slope / len) + s[1] * 0 + s[2] * (1 / len));
        assertEquals(q(expected), west, 1);
        // a flat field is lit as a flat normal map: 0.5 sin(elevation)
        PixelBlock flat = new PixelBlock(3, 3, 1, 32, SampleType.FLOAT, new float[9]);
        double sinEl = -light(123, 40)[2];
        assertEquals(q(0.5 * sinEl), shadeAt(flat, dem, new Shade(123, 40), levelWidth, 1, 1), 1);
    }

    @Test
    void heightFieldEdgesUseOneSidedDifferences() throws Exception {
        ImageInfo dem = PipelineTest.info(1, 32, SampleType.FLOAT, ColourSpace.GREYSCALE, 0, 1);
        PixelBlock ramp = ramp(0.01f);
        int[] out = PipelineTest.unsigned(Pipeline.render(Pipeline.source(ramp), dem, with(new Shade(270, 30), null,
                null), new Pipeline.Options(0, 0, true, 3, 400, Workers.SERIAL), null));
        // every pixel of a uniform ramp has the same slope, the border ones included
        for (int v : out) {
            assertEquals(out[7], v, Arrays.toString(out));
        }
    }

    static int shadeAt(PixelBlock in, ImageInfo info, Shade shade, int levelWidth, int x, int y) {
        try {
            PixelBlock out = Pipeline.render(Pipeline.source(in), info, with(shade, null, null),
                    new Pipeline.Options(0, 0, true, 3, levelWidth, Workers.SERIAL), null);
            return out.bytes()[y * out.width + x] & 0xff;
        } catch (ImageException e) {
            throw new AssertionError(e);
        }
    }

    // ---- convolution ----------------------------------------------------------------------------

    @Test
    void namedKernelsAreIipsrvs() {
        assertArrayEquals(new float[] {0, -1, 0, -1, 5, -1, 0, -1, 0}, Convolution.named("SHARPEN"));
        assertArrayEquals(new float[] {-1, 0, 1, -2, 0, 2, -1, 0, 1}, Convolution.named("sobel"));
        assertNull(Convolution.named("blur"));
        assertTrue(Convolution.acceptable(1) && Convolution.acceptable(9) && Convolution.acceptable(25));
        for (int n : new int[] {0, 2, 4, 8, 16, 26, 49}) {
            assertTrue(!Convolution.acceptable(n), "" + n);
        }
    }

    /**
     * The convolution of docs/protocols.md 5.3 on a grey image with replicated edges, normalised by a
     * positive kernel sum.
     */
    static double[] convolve(double[] img, int w, int h, float[] k) {
        int side = (int) Math.round(Math.sqrt(k.length));
        int half = side / 2;
        double sum = 0;
        for (float v : k) {
            sum += v;
        }
        double[] out = new double[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double acc = 0;
                for (int fy = 0; fy < side; fy++) {
                    for (int fx = 0; fx < side; fx++) {
                        int sx = Math.min(w - 1, Math.max(0, x + fx - half));
                        int sy = Math.min(h - 1, Math.max(0, y + fy - half));
                        acc += img[sy * w + sx] * k[fy * side + fx];
                    }
                }
                out[y * w + x] = sum > 0 ? acc / sum : acc;
            }
        }
        return out;
    }

    @Test
    void convolutionReplicatesEdgesAndNormalisesPositiveKernels() {
        int w = 7;
        int h = 5;
        int[] v = new int[w * h];
        double[] norm = new double[w * h];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i * 37 + (i / w) * 11) % 256;
            norm[i] = v[i] / 255.0;
        }
        PixelBlock in = PipelineTest.grey(w, h, v);
        float[][] kernels = {Convolution.named("gaussian"), Convolution.named("sobel"), Convolution.named("sharpen"),
            {2f}, new float[25]};
        kernels[4][0] = 1;
        kernels[4][24] = 3; // a 5x5 kernel: (top-left + 3 bottom-right) / 4
        for (float[] k : kernels) {
            double[] expected = convolve(norm, w, h, k);
            int[] out = run(in, GREY8, with(null, null, k), 3);
            for (int i = 0; i < out.length; i++) {
                assertTrue(Math.abs(q(expected[i]) - out[i]) <= 1,
                        Arrays.toString(k) + " at " + i + ": " + out[i] + " vs " + q(expected[i]));
            }
        }
    }

    @Test
    void convolutionRunsAfterTheColormapAndBeforeContrast() {
        // a vertical edge through HOT, then a [1,1,1] / 3 horizontal box (as 3x3 with zero rows), contrast 2
        PixelBlock in = PipelineTest.grey(4, 1, 0, 0, 255, 255);
        float[] box = {0, 0, 0, 1, 1, 1, 0, 0, 0};
        int[] out = run(in, GREY8, full(2f, 1f, false, Colormap.HOT, null, null, box), 3);
        // HOT(0) = black, HOT(1) = white; box at x=1: (0 + 0 + 1) / 3 -> 1/3 * 2 * 255 = 170
        assertEquals(12, out.length);
        assertArrayEquals(new int[] {0, 0, 0, 170, 170, 170, 255, 255, 255, 255, 255, 255}, out);
    }

    // ---- bands and threads ----------------------------------------------------------------------

    /** A source that hands out bands of a block as copies, as a reader would. */
    static Pipeline.Source banded(PixelBlock block, int bandHeight) {
        return new Pipeline.Source() {
            @Override
            public int width() {
                return block.width;
            }

            @Override
            public int height() {
                return block.height;
            }

            @Override
            public int bands() {
                return (block.height + bandHeight - 1) / bandHeight;
            }

            @Override
            public int bandStart(int band) {
                return Math.min(block.height, band * bandHeight);
            }

            @Override
            public PixelBlock read(int y, int rows) {
                int per = block.width * block.channels;
                Object data = java.lang.reflect.Array.newInstance(block.data.getClass().getComponentType(),
                        rows * per);
                System.arraycopy(block.data, y * per, data, 0, rows * per);
                return new PixelBlock(block.width, rows, block.channels, block.bitsPerSample, block.sampleType, data);
            }
        };
    }

    @Test
    void bandsOnSeveralThreadsGiveTheSameBytesAsOneBlock() throws Exception {
        // above Pipeline.PARALLEL_PIXELS, so the workers are used
        int w = 1024;
        int h = 600;
        assertTrue((long) w * h >= Pipeline.PARALLEL_PIXELS);
        SplittableRandom random = new SplittableRandom(7);
        byte[] rgb = new byte[w * h * 3];
        short[] grey16 = new short[w * h];
        float[] dem = new float[w * h];
        for (int i = 0; i < w * h; i++) {
            int x = i % w;
            int y = i / w;
            rgb[i * 3] = (byte) (x / 3);
            rgb[i * 3 + 1] = (byte) (y / 2);
            rgb[i * 3 + 2] = (byte) random.nextInt(256);
            grey16[i] = (short) (x * 97 + y * 31 + random.nextInt(300));
            dem[i] = (float) (500 + 300 * Math.sin(x / 40.0) * Math.cos(y / 30.0));
        }
        PixelBlock rgbBlock = PixelBlock.ofBytes(w, h, 3, rgb);
        PixelBlock greyBlock = new PixelBlock(w, h, 1, 16, SampleType.UNSIGNED_INT, grey16);
        PixelBlock demBlock = new PixelBlock(w, h, 1, 32, SampleType.FLOAT, dem);
        ImageInfo grey16Info = PipelineTest.info(1, 16, SampleType.UNSIGNED_INT, ColourSpace.GREYSCALE, 0, 65535);
        ImageInfo demInfo = PipelineTest.info(1, 32, SampleType.FLOAT, ColourSpace.GREYSCALE, 200, 800);
        Object[][] cases = {
            {rgbBlock, RGB8, Processing.NONE},
            {rgbBlock, RGB8, full(1.3f, 0.8f, true, Colormap.NONE, null, null, null)},
            {rgbBlock, RGB8, with(new Shade(45, 30), null, null)},
            {rgbBlock, RGB8, with(null, new float[][] {{0.3f, 0.3f, 0.4f}, {0f, 1f}}, Convolution.named("sobel"))},
            {greyBlock, grey16Info, Processing.NONE},
            {greyBlock, grey16Info, full(1f, Processing.LOG, false, Colormap.JET, null, null, null)},
            {greyBlock, grey16Info, with(null, null, Convolution.named("gaussian"))},
            {demBlock, demInfo, with(new Shade(315, 45), null, null)},
            {demBlock, demInfo, full(2f, 1f, false, Colormap.HOT, new Shade(315, 45), null, Convolution.named(
                    "sharpen"))},
        };
        try (Workers workers = new Workers(3)) {
            for (Object[] c : cases) {
                PixelBlock block = (PixelBlock) c[0];
                ImageInfo info = (ImageInfo) c[1];
                Processing p = (Processing) c[2];
                for (int[] size : new int[][] {{0, 0}, {333, 271}, {1100, 700}}) {
                    Pipeline.Options serial = new Pipeline.Options(size[0], size[1], true, 3, w, Workers.SERIAL);
                    Pipeline.Options parallel = new Pipeline.Options(size[0], size[1], true, 3, w, workers);
                    PixelBlock whole = Pipeline.render(Pipeline.source(block), info, p, serial, null);
                    PixelBlock bands = Pipeline.render(banded(block, 64), info, p, parallel, null);
                    assertEquals(whole.width, bands.width);
                    assertEquals(whole.channels, bands.channels);
                    assertArrayEquals(whole.bytes(), bands.bytes(), p.key() + " at " + Arrays.toString(size));
                }
            }
        }
    }

    /** docs/protocols.md 5.4 as written: neighbours are offsets in the flat buffer, clamped to its last pixel. */
    static byte[] flatBilinear(byte[] in, int w, int h, int ch, int outW, int outH) {
        byte[] out = new byte[outW * outH * ch];
        float xscale = (float) w / outW;
        float yscale = (float) h / outH;
        int max = (w * h - 1) * ch;
        for (int j = 0; j < outH; j++) {
            for (int i = 0; i < outW; i++) {
                float is = i * xscale;
                float js = j * yscale;
                int ii = (int) Math.floor(is);
                int jj = (int) Math.floor(js);
                float a = ii + 1 - is;
                float b = is - ii;
                float c = jj + 1 - js;
                float d = js - jj;
                int p11 = (jj * w + ii) * ch;
                int p21 = Math.min(p11 + ch, max);
                int p12 = Math.min(p11 + w * ch, max);
                int p22 = Math.min(p11 + w * ch + ch, max);
                for (int k = 0; k < ch; k++) {
                    float tx = (in[p11 + k] & 0xff) * a + (in[p21 + k] & 0xff) * b;
                    float ty = (in[p12 + k] & 0xff) * a + (in[p22 + k] & 0xff) * b;
                    out[(j * outW + i) * ch + k] = (byte) (int) (c * tx + d * ty);
                }
            }
        }
        return out;
    }

    @Test
    void resizingRowsInSeparateArraysEqualsResizingOneArray() {
        SplittableRandom random = new SplittableRandom(11);
        int[][] sizes = {{1, 1, 5, 3}, {1, 7, 3, 9}, {7, 1, 2, 4}, {13, 9, 40, 31}, {40, 31, 13, 9}, {5, 5, 5, 9}};
        for (int ch : new int[] {1, 3, 4}) {
            for (int[] sz : sizes) {
                int w = sz[0];
                int h = sz[1];
                byte[] flat = new byte[w * h * ch];
                for (int i = 0; i < flat.length; i++) {
                    flat[i] = (byte) random.nextInt(256);
                }
                // every row in an array of its own, at an odd offset
                byte[][] arrays = new byte[h][];
                int[] offsets = new int[h];
                for (int y = 0; y < h; y++) {
                    offsets[y] = 1 + random.nextInt(5);
                    arrays[y] = new byte[offsets[y] + w * ch + 3];
                    System.arraycopy(flat, y * w * ch, arrays[y], offsets[y], w * ch);
                }
                Resampler.Rows rows = new Resampler.Rows(arrays, offsets);
                byte[] a = flatBilinear(flat, w, h, ch, sz[2], sz[3]);
                byte[] b = new byte[a.length];
                Resampler.bilinearRows(rows, w, h, ch, b, sz[2], sz[3], 0, sz[3]);
                assertArrayEquals(a, b, "bilinear " + Arrays.toString(sz) + " x" + ch);
                byte[] n = new byte[a.length];
                Resampler.nearestRows(rows, w, h, ch, n, sz[2], sz[3], 0, sz[3]);
                assertArrayEquals(Resampler.nearest(flat, w, h, ch, sz[2], sz[3]), n, "nearest");
            }
        }
    }

    @Test
    void workersRunEveryChunkOnceAndPassFailuresOn() throws Exception {
        try (Workers workers = new Workers(2)) {
            AtomicInteger[] seen = new AtomicInteger[100];
            Arrays.setAll(seen, i -> new AtomicInteger());
            workers.run(100, i -> seen[i].incrementAndGet());
            for (AtomicInteger s : seen) {
                assertEquals(1, s.get());
            }
            IllegalStateException boom = assertThrows(IllegalStateException.class,
                    () -> workers.run(10, i -> {
                        if (i == 7) {
                            throw new IllegalStateException("seven");
                        }
                    }));
            assertEquals("seven", boom.getMessage());
            // a helper really runs beside the caller: two chunks that wait for each other finish
            java.util.concurrent.CountDownLatch both = new java.util.concurrent.CountDownLatch(2);
            boolean[] met = new boolean[2];
            workers.run(2, i -> {
                both.countDown();
                met[i] = both.await(10, java.util.concurrent.TimeUnit.SECONDS);
            });
            assertTrue(met[0] && met[1]);
            Workers.ChunkException checked = assertThrows(Workers.ChunkException.class, () -> workers.run(3, i -> {
                throw new ImageException(ImageException.Kind.CORRUPT, "bad tile");
            }));
            assertTrue(checked.getCause() instanceof ImageException);
        }
        assertEquals(1, Workers.SERIAL.threads());
    }

    // ---- watermark ------------------------------------------------------------------------------

    @Test
    void watermarkAddsWithSaturationPerBlock() {
        // a 2x2 watermark of (100, 50, 200) on a 5x3 RGB image in blocks of 2 with probability 1
        byte[] wm = new byte[2 * 2 * 3];
        for (int i = 0; i < 4; i++) {
            wm[i * 3] = 100;
            wm[i * 3 + 1] = 50;
            wm[i * 3 + 2] = (byte) 200;
        }
        Watermark w = new Watermark(2, 2, wm, 1.0);
        byte[] px = new byte[5 * 3 * 3];
        Arrays.fill(px, (byte) 100);
        PixelBlock in = PixelBlock.ofBytes(5, 3, 3, px);
        PixelBlock out = w.apply(in, 2, true, new SplittableRandom(1));
        assertNotEquals(in, out);
        assertEquals(100, in.bytes()[0], "copy leaves the input alone");
        int[] u = PipelineTest.unsigned(out);
        // every block is no larger than the watermark, so every pixel is covered: (200, 150, 255)
        for (int p = 0; p < 15; p++) {
            assertArrayEquals(new int[] {200, 150, 255}, Arrays.copyOfRange(u, p * 3, p * 3 + 3), "pixel " + p);
        }
        // grey output takes the red channel; probability 0 never applies
        PixelBlock grey = w.apply(PixelBlock.ofBytes(2, 2, 1, new byte[] {1, 2, 3, (byte) 250}), 2, false,
                new SplittableRandom(1));
        assertArrayEquals(new int[] {101, 102, 103, 255}, PipelineTest.unsigned(grey));
        Watermark never = new Watermark(2, 2, wm, 0.0);
        PixelBlock untouched = PixelBlock.ofBytes(2, 2, 1, new byte[4]);
        assertSame(untouched, never.apply(untouched, 2, false, new SplittableRandom(1)));
        assertArrayEquals(new int[4], PipelineTest.unsigned(untouched));
        // alpha is left alone
        PixelBlock ga = w.apply(PixelBlock.ofBytes(1, 1, 2, new byte[] {10, 20}), 1, false, new SplittableRandom(1));
        assertArrayEquals(new int[] {110, 20}, PipelineTest.unsigned(ga));
    }

    @Test
    void smallWatermarksLandAtRandomPlacesInsideTheirBlock() {
        Watermark w = new Watermark(1, 1, new byte[] {50, 50, 50}, 1.0);
        Set<Integer> places = new java.util.HashSet<>();
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 50; i++) {
            PixelBlock out = w.apply(PixelBlock.ofBytes(8, 8, 1, new byte[64]), 8, false, random);
            int[] u = PipelineTest.unsigned(out);
            int marked = 0;
            for (int p = 0; p < 64; p++) {
                if (u[p] == 50) {
                    marked++;
                    places.add(p);
                }
            }
            assertEquals(1, marked);
        }
        assertTrue(places.size() > 10, "placements " + places);
    }

    // ---- the cache key --------------------------------------------------------------------------

    @Test
    void keyNamesEveryNewField() {
        Processing base = Processing.NONE;
        Processing[] variants = {
            with(new Shade(1, 2), null, null), with(new Shade(2, 1), null, null),
            with(null, new float[][] {{1f, 0f}}, null), with(null, new float[][] {{1f}, {0f}}, null),
            with(null, null, new float[] {1f}), with(null, null, new float[] {2f}),
        };
        Set<String> keys = new java.util.HashSet<>();
        keys.add(base.key());
        for (Processing p : variants) {
            assertTrue(p.needsFloat());
            assertTrue(keys.add(p.key()), p.key());
            assertEquals(p, with(p.shade(), p.twist() == null ? null : p.twist().clone(),
                    p.kernel() == null ? null : p.kernel().clone()));
        }
        assertEquals(with(null, new float[][] {{1f, 2f}}, null), with(null, new float[][] {{1f, 2f}}, null));
        assertNotEquals(with(null, new float[][] {{1f, 2f}}, null), with(null, new float[][] {{1f}, {2f}}, null));
    }
}
