package io.github.iipservlet.process;

import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.SampleType;
import io.github.iipservlet.parallel.Workers;

/**
 * iipsrv's pixel pipeline (docs/protocols.md 5.2 steps 3-11): turns raw samples into an 8-bit interleaved block
 * ready for an encoder. The watermark (step 12) is applied by the caller, on the block returned.
 *
 * <p>The input arrives as a {@link Source} of bands of rows (a region read tile row by tile row),
 * so a large render decodes and processes its bands on several threads ({@link Workers}) and never
 * holds more than one band of raw samples per thread beside the 8-bit frame: 16-bit and float
 * samples are turned into 8 bit (step 4) band by band. Steps that need neighbouring rows
 * (convolution, height-field hill-shading) keep a float frame of the rows before them.
 *
 * <p>Fast paths: 8-bit data without processing never touches floating point; with no processing,
 * no resize and no channel change a single-band input block itself is returned (no copy). In-place
 * work is only done on arrays this class allocated, so the caller's blocks are never modified.
 */
public final class Pipeline {

    /** Renders below this many source pixels stay on one thread: splitting them costs more than it saves. */
    public static final long PARALLEL_PIXELS = 1 << 19;

    private Pipeline() {
    }

    /** The raw samples of a render: a width x height rectangle read in horizontal bands. */
    public interface Source {
        int width();

        int height();

        /** Number of bands; band i covers rows [{@link #bandStart}(i), bandStart(i + 1)). */
        int bands();

        /** First row of band i; {@code bandStart(bands())} is the height. */
        int bandStart(int band);

        /** Decodes rows [y, y + rows) (one band). May be called by several threads at once. */
        PixelBlock read(int y, int rows) throws ImageException;
    }

    /** A block already in memory, as a single band. */
    public static Source source(PixelBlock block) {
        return new Source() {
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
                return 1;
            }

            @Override
            public int bandStart(int band) {
                return band == 0 ? 0 : block.height;
            }

            @Override
            public PixelBlock read(int y, int rows) {
                return block;
            }
        };
    }

    /**
     * What to make of the samples.
     *
     * @param outWidth    output width before rotation; {@code <= 0} means no resize (tiles)
     * @param outHeight   output height before rotation; {@code <= 0} means no resize
     * @param bilinear    iipsrv's bilinear interpolation, else nearest neighbour
     * @param maxChannels channels the encoder accepts; trailing channels are dropped. {@code 3}
     *                    means JPEG rules: 2 channels also become 1.
     * @param levelWidth  width of the pyramid level the samples come from (scale of height-field
     *                    hill-shading)
     * @param workers     threads for large renders
     */
    public record Options(int outWidth, int outHeight, boolean bilinear, int maxChannels, int levelWidth,
            Workers workers) {
    }

    /**
     * Runs the pipeline on a source, using the workers for large renders.
     *
     * @param histogram the image histogram; required for contrast stretch, and used for bitonal
     *                  output and equalisation (computed from the 8-bit output when null)
     */
    public static PixelBlock render(Source src, ImageInfo info, Processing p, Options o, int[] histogram)
            throws ImageException {
        Processing proc = p == null ? Processing.NONE : p;
        int w = src.width();
        int h = src.height();
        Workers workers = (long) w * h >= PARALLEL_PIXELS ? o.workers() : Workers.SERIAL;

        // Steps 3-4 (and 6, dropping channels the encoder does not take): an 8-bit frame.
        Frame f = frame(src, info, proc, o, histogram, workers);
        byte[] px = f.pixels;
        int ch = f.channels;
        boolean owned = f.owned;

        // Step 5: resize, by bands of output rows; bands of unprocessed samples are read where
        // they lie, else joined here.
        int outW = o.outWidth();
        int outH = o.outHeight();
        if (outW > 0 && outH > 0 && (outW != w || outH != h)) {
            px = resize(f.rows != null ? f.rows : Resampler.Rows.of(px, w, h, ch), w, h, ch, outW, outH,
                    o.bilinear(), (long) outW * outH >= PARALLEL_PIXELS ? o.workers() : Workers.SERIAL);
            w = outW;
            h = outH;
            owned = true;
        } else if (f.rows != null) {
            px = f.rows.contiguous(w, ch);
            owned = true;
        }

        // Step 7: greyscale (8-bit 3-channel sRGB only).
        if (proc.colour() == Processing.Colour.GREY && ch == 3
                && (info.colourSpace == ColourSpace.SRGB || info.colourSpace == ColourSpace.CIELAB)) {
            px = greyscale(px, w * h);
            ch = 1;
            owned = true;
        }

        // Step 8: bitonal.
        if (proc.colour() == Processing.Colour.BITONAL && info.colourSpace != ColourSpace.BINARY) {
            int t = Histogram.otsu(histogram != null ? histogram : Histogram.ofEightBit(px, w * h, ch));
            if (ch == 3) {
                px = greyscale(px, w * h);
                ch = 1;
                owned = true;
            }
            byte[] dst = owned ? px : new byte[w * h * ch];
            threshold(px, dst, w * h * ch, t);
            px = dst;
            owned = true;
        }

        // Step 9: equalisation.
        if (proc.equalise()) {
            int[] hist = histogram != null ? histogram : Histogram.ofEightBit(px, w * h, ch);
            byte[] dst = owned ? px : new byte[w * h * ch];
            applyLut(px, dst, w * h * ch, equalisationLut(hist, (long) w * h));
            px = dst;
            owned = true;
        }

        // Step 10: mirror.
        if (proc.flip() == 1 || proc.flip() == 2) {
            if (!owned) {
                px = px.clone();
                owned = true;
            }
            if (proc.flip() == 1) {
                flipHorizontal(px, w, h, ch);
            } else {
                flipVertical(px, w, h, ch);
            }
        }

        // Step 11: rotation.
        int rot = proc.rotationDegrees();
        if (rot == 90 || rot == 180 || rot == 270) {
            px = rotate(px, w, h, ch, rot);
            if (rot != 180) {
                int t = w;
                w = h;
                h = t;
            }
            owned = true;
        }

        if (!owned && f.block != null) {
            return f.block;
        }
        return PixelBlock.ofBytes(w, h, ch, px);
    }

    // ---------------------------------------------------------------------------------------------
    // Steps 3-4: the 8-bit frame

    /**
     * The 8-bit samples of the whole source, in one array or (unprocessed bands) as a table of
     * rows; {@code block} is the input block when the pixels are its own.
     */
    private record Frame(byte[] pixels, int channels, boolean owned, PixelBlock block, Resampler.Rows rows) {
        Frame(byte[] pixels, int channels, boolean owned, PixelBlock block) {
            this(pixels, channels, owned, block, null);
        }
    }

    private static Frame frame(Source src, ImageInfo info, Processing proc, Options o, int[] histogram,
            Workers workers) throws ImageException {
        int w = src.width();
        int h = src.height();
        int bands = src.bands();
        // The first band on this thread: it tells the sample type and channels of all of them.
        PixelBlock first = src.read(0, src.bandStart(1));
        boolean lab = info.colourSpace == ColourSpace.CIELAB;
        if (lab || first.sampleType == SampleType.FLOAT || proc.needsFloat()) {
            FloatSteps steps = new FloatSteps(info, proc, first.sampleType, first.channels, first.bitsPerSample,
                    histogram, o.maxChannels(), o.levelWidth(), w);
            steps.largeSixteenBit = (long) w * h >= 65536;
            return new Frame(floatFrame(src, first, steps, workers), steps.keep, true, null);
        }
        int ch = first.channels;
        int keep = FloatSteps.reduced(ch, o.maxChannels());
        if (bands == 1) {
            boolean eightBit = first.data instanceof byte[];
            byte[] px = eightBit ? first.bytes() : reduce(first);
            if (keep != ch) {
                px = dropChannels(px, w * h, ch, keep);
            }
            boolean owned = px != first.data;
            return new Frame(px, keep, owned, !owned && first.isEightBit() ? first : null);
        }
        // Several bands of unprocessed samples: each stays in its own array (8-bit as read, or
        // reduced to 8 bit), and the frame is a table of their rows, so a resize reads them in
        // place instead of from a copy (a full-size CVT of an 8192x6144 image copied 150 MB).
        byte[][] arrays = new byte[h][];
        int[] offsets = new int[h];
        eachBand(src, first, workers, (band, y0) -> {
            int n = band.width * band.height;
            byte[] px = band.data instanceof byte[] b ? b : reduce(band);
            if (keep != ch) {
                px = dropChannels(px, n, ch, keep);
            }
            int rowLen = band.width * keep;
            for (int r = 0; r < band.height; r++) {
                arrays[y0 + r] = px;
                offsets[y0 + r] = r * rowLen;
            }
        });
        return new Frame(null, keep, true, null, new Resampler.Rows(arrays, offsets));
    }

    /** Step 4 through the float path, band by band, with float frames before neighbourhood steps. */
    private static byte[] floatFrame(Source src, PixelBlock first, FloatSteps steps, Workers workers)
            throws ImageException {
        int w = src.width();
        int h = src.height();
        byte[] out = new byte[w * h * steps.keep];
        if (!steps.needsFrame()) {
            eachBand(src, first, workers, (band, y0) -> steps.toBytes(band, out, y0 * w * steps.keep, steps.rows()));
            return out;
        }
        int frameChannels = steps.heightShade ? 1 : steps.channels;
        float[] frame = new float[w * h * frameChannels];
        eachBand(src, first, workers, (band, y0) -> steps.toFrame(band, frame, y0 * w * frameChannels,
                steps.rows()));
        float[] convolve = frame;
        if (steps.heightShade) {
            float[] next = steps.convolves() ? new float[w * h * steps.channels] : null;
            eachRows(h, workers, (y0, y1) -> steps.shadeHeightRows(frame, w, h, y0, y1, out, next, steps.rows()));
            convolve = next;
        }
        if (steps.convolves()) {
            float[] in = convolve;
            eachRows(h, workers, (y0, y1) -> steps.convolveRows(in, w, h, y0, y1, out));
        }
        return out;
    }

    private interface BandWork {
        void run(PixelBlock band, int y0) throws ImageException;
    }

    /** Reads and handles every band (the first one already read), on the workers. */
    private static void eachBand(Source src, PixelBlock first, Workers workers, BandWork work)
            throws ImageException {
        try {
            workers.run(src.bands(), i -> {
                int y0 = src.bandStart(i);
                PixelBlock band = i == 0 ? first : src.read(y0, src.bandStart(i + 1) - y0);
                work.run(band, y0);
            });
        } catch (Workers.ChunkException e) {
            if (e.getCause() instanceof ImageException ie) {
                throw ie;
            }
            throw e;
        }
    }

    private interface RowWork {
        void run(int y0, int y1);
    }

    /** Splits rows [0, h) into a few chunks per thread and runs them on the workers. */
    private static void eachRows(int h, Workers workers, RowWork work) {
        int chunks = Math.max(1, Math.min(h, workers.threads() * 4));
        int per = (h + chunks - 1) / chunks;
        int count = (h + per - 1) / per;
        workers.run(count, i -> work.run(i * per, Math.min(h, (i + 1) * per)));
    }

    // ---------------------------------------------------------------------------------------------
    // Step 5: resize

    static byte[] resize(Resampler.Rows px, int w, int h, int ch, int outW, int outH, boolean bilinear,
            Workers workers) {
        byte[] out = new byte[outW * outH * ch];
        eachRows(outH, workers, (j0, j1) -> {
            if (bilinear) {
                Resampler.bilinearRows(px, w, h, ch, out, outW, outH, j0, j1);
            } else {
                Resampler.nearestRows(px, w, h, ch, out, outW, outH, j0, j1);
            }
        });
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Step 4 (else): fast reduction to 8 bit

    /** 16-bit: v >> 8; 32-bit integer: bits 16-23 (iipsrv's quirk). */
    static byte[] reduce(PixelBlock raw) {
        int n = raw.width * raw.height * raw.channels;
        byte[] out = new byte[n];
        if (raw.data instanceof short[] s) {
            for (int i = 0; i < n; i++) {
                out[i] = (byte) (s[i] >>> 8);
            }
        } else if (raw.data instanceof int[] d) {
            for (int i = 0; i < n; i++) {
                out[i] = (byte) (d[i] >>> 16);
            }
        } else {
            throw new IllegalArgumentException("cannot reduce " + raw.data.getClass().getSimpleName());
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // 8-bit steps

    static byte[] dropChannels(byte[] in, int pixels, int ch, int keep) {
        byte[] out = new byte[pixels * keep];
        copyChannels(in, pixels, ch, keep, out, 0);
        return out;
    }

    /** The first {@code keep} of {@code ch} channels of each pixel, to {@code out} from {@code at}. */
    static void copyChannels(byte[] in, int pixels, int ch, int keep, byte[] out, int at) {
        if (keep == ch) {
            System.arraycopy(in, 0, out, at, pixels * ch);
        } else if (keep == 1) {
            for (int p = 0, s = 0; p < pixels; p++, s += ch) {
                out[at + p] = in[s];
            }
        } else {
            for (int p = 0, s = 0, o = at; p < pixels; p++, s += ch, o += keep) {
                System.arraycopy(in, s, out, o, keep);
            }
        }
    }

    /** Y = (1254097 R + 2462056 G + 478151 B) >> 22. */
    static byte[] greyscale(byte[] rgb, int pixels) {
        byte[] out = new byte[pixels];
        for (int p = 0, s = 0; p < pixels; p++, s += 3) {
            out[p] = (byte) ((1254097 * (rgb[s] & 0xff) + 2462056 * (rgb[s + 1] & 0xff)
                    + 478151 * (rgb[s + 2] & 0xff)) >> 22);
        }
        return out;
    }

    static void threshold(byte[] src, byte[] dst, int n, int t) {
        for (int i = 0; i < n; i++) {
            dst[i] = (src[i] & 0xff) < t ? 0 : (byte) 255;
        }
    }

    /** lut[i] = round(255 / cdf[255] * (cdf[i] - cdf[n0] / pixels)), n0 = first non-zero bin. */
    static int[] equalisationLut(int[] hist, long pixels) {
        double[] cdf = new double[256];
        double acc = 0;
        int n0 = -1;
        for (int i = 0; i < 256; i++) {
            acc += hist[i];
            cdf[i] = acc;
            if (n0 < 0 && hist[i] != 0) {
                n0 = i;
            }
        }
        int[] lut = new int[256];
        if (n0 < 0) {
            for (int i = 0; i < 256; i++) {
                lut[i] = i;
            }
            return lut;
        }
        double scale = 255.0 / cdf[255];
        double cdfmin = cdf[n0] / pixels;
        for (int i = 0; i < 256; i++) {
            lut[i] = (int) Math.max(0, Math.min(255, Math.round(scale * (cdf[i] - cdfmin))));
        }
        return lut;
    }

    static void applyLut(byte[] src, byte[] dst, int n, int[] lut) {
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            b[i] = (byte) lut[i];
        }
        for (int i = 0; i < n; i++) {
            dst[i] = b[src[i] & 0xff];
        }
    }

    static void flipHorizontal(byte[] px, int w, int h, int ch) {
        for (int y = 0; y < h; y++) {
            int l = y * w * ch;
            int r = l + (w - 1) * ch;
            while (l < r) {
                for (int k = 0; k < ch; k++) {
                    byte t = px[l + k];
                    px[l + k] = px[r + k];
                    px[r + k] = t;
                }
                l += ch;
                r -= ch;
            }
        }
    }

    static void flipVertical(byte[] px, int w, int h, int ch) {
        int rowLen = w * ch;
        byte[] tmp = new byte[rowLen];
        for (int top = 0, bottom = h - 1; top < bottom; top++, bottom--) {
            System.arraycopy(px, top * rowLen, tmp, 0, rowLen);
            System.arraycopy(px, bottom * rowLen, px, top * rowLen, rowLen);
            System.arraycopy(tmp, 0, px, bottom * rowLen, rowLen);
        }
    }

    /** Clockwise rotation by 90, 180 or 270 degrees into a new array. */
    static byte[] rotate(byte[] in, int w, int h, int ch, int degrees) {
        byte[] out = new byte[w * h * ch];
        if (degrees == 180) {
            int n = w * h;
            for (int p = 0, s = 0, o = (n - 1) * ch; p < n; p++, s += ch, o -= ch) {
                for (int k = 0; k < ch; k++) {
                    out[o + k] = in[s + k];
                }
            }
            return out;
        }
        // output is h wide and w high
        for (int y = 0; y < h; y++) {
            int s = y * w * ch;
            for (int x = 0; x < w; x++, s += ch) {
                // 90 cw: (x, y) -> (h-1-y, x); 270 cw: (x, y) -> (y, w-1-x)
                int ox = degrees == 90 ? h - 1 - y : y;
                int oy = degrees == 90 ? x : w - 1 - x;
                int o = (oy * h + ox) * ch;
                for (int k = 0; k < ch; k++) {
                    out[o + k] = in[s + k];
                }
            }
        }
        return out;
    }
}
