package io.github.iipservlet.protocol;

import io.github.iipservlet.cache.TileStore;
import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.encode.Encoders;
import io.github.iipservlet.encode.ImageEncoder;
import io.github.iipservlet.encode.JpegEncoder;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.PyramidReader;
import io.github.iipservlet.parallel.Cancellation;
import io.github.iipservlet.parallel.Workers;
import io.github.iipservlet.process.Histogram;
import io.github.iipservlet.process.Pipeline;
import io.github.iipservlet.process.Processing;
import io.github.iipservlet.process.Watermark;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a {@link View} into encoded bytes: tile store first, then codec pass-through of a stored
 * JPEG tile, then decode, pipeline and encode, storing the result. One instance per context,
 * shared by all protocols and threads.
 *
 * <p>Large regions are read and processed in bands of tile rows on the {@link Workers}. With a
 * watermark every view is rendered afresh and never stored: its placement is drawn at random for
 * each request, as in iipsrv, and a stored copy would freeze one draw for everybody.
 */
public final class ViewRenderer {
    private final TileStore store;
    private final JpegEncoder jpeg;
    private final Encoders encoders;
    private final boolean passThrough;
    private final boolean bilinear;
    private final int defaultJpegQuality;

    /**
     * Pixel memory the renders running at once may hold, in KiB. A render reserves its estimate
     * before it decodes and waits while the budget is spent, so a burst of large CVTs queues
     * instead of exhausting the heap (measured: three full-size CVTs of an 8192x6144 image at
     * -Xmx512m ran out of memory without it). A render larger than the whole budget is refused.
     */
    private final Semaphore pixelBudget;
    private final int budgetKib;
    private final Workers workers;
    private final Watermark watermark;
    /** MAX_LAYERS (spec 3.9). */
    private final int maxLayers;
    /** Views rendered (not answered by the tile store), for /health. */
    private final java.util.concurrent.atomic.LongAdder renders = new java.util.concurrent.atomic.LongAdder();
    /** Renders stopped because their client had gone, for /health. */
    private final java.util.concurrent.atomic.LongAdder abandoned = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param encoders         one encoder per output format, with MAX_ICC and COPYRIGHT
     * @param pixelBudgetBytes pixel memory renders may hold at once
     * @param workers          threads for large renders
     * @param watermark        added to every tile and region, or null
     * @param maxLayers        MAX_LAYERS: JPEG2000 quality layers decoded
     */
    public ViewRenderer(TileStore store, Encoders encoders, boolean passThrough, boolean bilinear,
            int defaultJpegQuality, long pixelBudgetBytes, Workers workers, Watermark watermark, int maxLayers) {
        this.workers = workers;
        this.maxLayers = maxLayers;
        this.watermark = watermark;
        this.budgetKib = (int) Math.max(1024, Math.min(Integer.MAX_VALUE, pixelBudgetBytes >> 10));
        this.pixelBudget = new Semaphore(budgetKib);
        this.store = store;
        this.encoders = encoders;
        this.jpeg = encoders.jpeg();
        this.passThrough = passThrough;
        this.bilinear = bilinear;
        this.defaultJpegQuality = defaultJpegQuality;
    }

    /** Views rendered since start: the tile store answered the others. */
    public long renders() {
        return renders.sum();
    }

    /** Renders stopped since start because their client had gone. */
    public long abandonedRenders() {
        return abandoned.sum();
    }

    public int defaultQuality() {
        return defaultJpegQuality;
    }

    /**
     * iipsrv's layer value for a view (spec 3.9, View::getLayers): MAX_LAYERS caps LYR; a negative
     * MAX_LAYERS without LYR asks for all layers; otherwise LYR, 0 (the decoder's default) when absent.
     */
    static int layerValue(int maxLayers, int lyr) {
        if (maxLayers > 0) {
            return lyr > 0 && lyr < maxLayers ? lyr : maxLayers;
        }
        if (maxLayers < 0 && lyr == 0) {
            return -1;
        }
        return lyr;
    }

    /** The reader of a view's pixels, decoding the layers the view asks for. */
    private PyramidReader reader(View view, OpenImage image) {
        return image.reader().withLayers(layerValue(maxLayers, view.layers()));
    }

    /**
     * The encoded view, from the store or rendered now.
     *
     * @throws TooLargeToRender when the render would need more memory than the whole budget
     */
    public byte[] render(View view, OpenImage image) throws ImageException, TooLargeToRender {
        String key = view.key();
        byte[] bytes = watermark == null ? store.get(key) : null;
        if (bytes != null) {
            return bytes;
        }
        ImageInfo info = image.info();
        if (view.level() >= info.resolutionCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution");
        }
        long kib = (estimatedBytes(view, info, workers.threads()) + 1023) >> 10;
        if (kib > budgetKib) {
            throw new TooLargeToRender("Too large to render here: this request needs about " + (kib >> 10)
                    + " MB of memory, and this server lets renders hold " + (budgetKib >> 10)
                    + " MB at once; ask for a smaller region or size");
        }
        renders.increment();
        pixelBudget.acquireUninterruptibly((int) kib);
        try {
            bytes = view.isTile() ? renderTile(view, image) : renderRegion(view, image);
        } catch (Cancellation.Cancelled e) {
            abandoned.increment();
            throw e;
        } finally {
            pixelBudget.release((int) kib);
        }
        if (watermark == null) {
            store.put(key, bytes);
        }
        return bytes;
    }

    /**
     * The most memory a render holds at once, in bytes, from the view alone. Beside the 8-bit frame
     * of the source pixels, either what making it takes (the raw samples being decoded: a whole
     * tile, or a band of tile rows per thread of a large region; the float frames of convolution
     * and height-field hill-shading, on at least three channels) or what follows it (four
     * output-sized arrays: the resized output, one processing copy such as a rotation or the
     * watermark, and the encoder's stream and result), whichever is larger. Generous rather than
     * short, so that a render the budget admits completes.
     */
    static long estimatedBytes(View view, ImageInfo info, int threads) {
        Level level = info.levels.get(view.level());
        long bytesPerSample = Math.max(1, info.bitsPerSample / 8);
        long ch = info.channels;
        long work = Math.max(ch, 3);
        Processing p = view.processing();
        boolean floats = info.colourSpace == ColourSpace.CIELAB || info.bitsPerSample > 8 || !p.isIdentity();
        long frame;
        long raw;
        long out;
        if (view.isTile()) {
            frame = (long) level.tileWidth() * level.tileHeight();
            raw = frame;
            out = frame;
        } else {
            frame = (long) view.width() * view.height();
            raw = frame >= Pipeline.PARALLEL_PIXELS
                    ? Math.min(frame, (long) view.width() * level.tileHeight() * (threads + 1)) : frame;
            out = (long) view.outWidth() * view.outHeight();
        }
        long making = floats || bytesPerSample > 1 ? raw * ch * bytesPerSample : 0;
        if (p.shade() != null && ch < 3) {
            making += frame * 4;
        }
        if (p.kernel() != null) {
            making += frame * 4 * work;
        }
        return frame * ch + Math.max(making, 4 * out * work);
    }

    private byte[] renderTile(View view, OpenImage image) throws ImageException {
        ImageInfo info = image.info();
        Level level = info.levels.get(view.level());
        if (view.format() == OutputFormat.JPEG && !needsRawPixels(info, view.processing()) && watermark == null) {
            if (passThrough && view.quality() == defaultJpegQuality) {
                byte[] stored = reader(view, image).readJpegTile(view.level(), view.tile());
                if (stored != null) {
                    // iipsrv injects the ICC profile into passed-through tiles too.
                    byte[] icc = encoders.iccProfile(info, view.processing());
                    return icc == null ? stored : JpegEncoder.withIccProfile(stored, icc, info.channels);
                }
            }
            int col = view.tile() % level.tilesAcross();
            int row = view.tile() / level.tilesAcross();
            byte[] encoded = encodeNative(image, view, col * level.tileWidth(), row * level.tileHeight(),
                    level.tileWidthAt(col), level.tileHeightAt(row));
            if (encoded != null) {
                return encoded;
            }
        }
        PixelBlock raw = reader(view, image).readTile(view.level(), view.tile());
        // A tile is one watermark block (spec 5.5).
        return process(Pipeline.source(raw), raw, image, view, -1, -1, Workers.SERIAL, -1);
    }

    private byte[] renderRegion(View view, OpenImage image) throws ImageException {
        ImageInfo info = image.info();
        if (view.format() == OutputFormat.JPEG && view.outWidth() == view.width()
                && view.outHeight() == view.height() && !needsRawPixels(info, view.processing())
                && watermark == null) {
            byte[] encoded = encodeNative(image, view, view.x(), view.y(), view.width(), view.height());
            if (encoded != null) {
                return encoded;
            }
        }
        Level level = info.levels.get(view.level());
        Pipeline.Source source = new RegionSource(reader(view, image), view, level.tileHeight());
        // Watermark blocks of twice the source's largest tile side (spec 5.5).
        Level full = info.levels.get(0);
        return process(source, null, image, view, view.outWidth(), view.outHeight(), workers,
                2 * Math.max(full.tileWidth(), full.tileHeight()));
    }

    /**
     * Decoded samples to encoded bytes: 16-bit samples stay 16-bit for encoders that keep them
     * when nothing needs 8-bit processing ({@link SixteenBitPath}); everything else goes through
     * the pipeline, keeping as many channels as the encoder takes, then the watermark.
     *
     * @param whole          the source's samples when already in one block (tiles), else null
     * @param watermarkBlock watermark block side, or -1 for one block the size of the output
     */
    private byte[] process(Pipeline.Source source, PixelBlock whole, OpenImage image, View view, int outWidth,
            int outHeight, Workers threads, int watermarkBlock) throws ImageException {
        ImageInfo info = image.info();
        Processing p = view.processing();
        ImageEncoder encoder = encoders.forFormat(view.format());
        // More than 4 channels keep 3 in every format (spec 5.2 step 6), not the first 4 as RGBA.
        int maxChannels = info.channels > 4 ? 3 : encoder.maxChannels();
        PixelBlock out = null;
        if (watermark == null && encoder.keepsSixteenBit() && SixteenBitPath.applies(info, p)) {
            PixelBlock raw = whole != null ? whole : source.read(0, source.height());
            out = SixteenBitPath.render(raw, p, outWidth, outHeight, bilinear, maxChannels);
        }
        if (out == null) {
            Level level = info.levels.get(view.level());
            out = Pipeline.render(source, info, p,
                    new Pipeline.Options(outWidth, outHeight, bilinear, maxChannels, level.width(), threads),
                    histogramIfNeeded(image, p));
            if (watermark != null) {
                int block = watermarkBlock > 0 ? watermarkBlock : Math.max(out.width, out.height);
                // The pipeline may hand back the reader's own array for a tile: the blend then copies.
                out = watermark.apply(out, block, out == whole, ThreadLocalRandom.current());
            }
        }
        if (outWidth > 0) {
            Cancellation.check(); // a region's encoding is worth skipping too
        }
        return encoder.encode(out, view.quality(), encoders.metadata(info, p, levelScale(info, view.level())));
    }

    /**
     * A region of one level read in bands of whole tile rows (each tile decoded once), or in one
     * piece when it is small.
     */
    private static final class RegionSource implements Pipeline.Source {
        private final PyramidReader reader;
        private final View view;
        private final int[] starts;

        RegionSource(PyramidReader reader, View view, int tileHeight) {
            this.reader = reader;
            this.view = view;
            this.starts = bandStarts(view.y(), view.width(), view.height(), tileHeight);
        }

        @Override
        public int width() {
            return view.width();
        }

        @Override
        public int height() {
            return view.height();
        }

        @Override
        public int bands() {
            return starts.length - 1;
        }

        @Override
        public int bandStart(int band) {
            return starts[band];
        }

        @Override
        public PixelBlock read(int y, int rows) throws ImageException {
            return reader.readRegion(view.level(), view.x(), view.y() + y, view.width(), rows);
        }
    }

    /**
     * Band boundaries (rows relative to the region, ending with its height): one band for a small
     * region, else one per tile row the region touches.
     */
    static int[] bandStarts(int y, int width, int height, int tileHeight) {
        if ((long) width * height < Pipeline.PARALLEL_PIXELS || tileHeight <= 0) {
            return new int[] {0, height};
        }
        int first = tileHeight - Math.floorMod(y, tileHeight);
        int n = 1 + (height - first + tileHeight - 1) / tileHeight;
        if (first >= height) {
            return new int[] {0, height};
        }
        int[] starts = new int[n + 1];
        for (int i = 1; i < n; i++) {
            starts[i] = first + (i - 1) * tileHeight;
        }
        starts[n] = height;
        return starts;
    }

    /**
     * Nothing changes the pixels: they stay in native memory from decoder to encoder when the
     * reader can do that for this level; else null. A large region is decoded on the workers.
     */
    private byte[] encodeNative(OpenImage image, View view, int x, int y, int width, int height)
            throws ImageException {
        Workers threads = (long) width * height >= Pipeline.PARALLEL_PIXELS ? workers : Workers.SERIAL;
        try (NativeImage pixels = reader(view, image).readRegionNative(view.level(), x, y, width, height, threads)) {
            if (pixels == null) {
                return null;
            }
            ImageInfo info = image.info();
            return jpeg.encode(pixels, view.quality(),
                    encoders.metadata(info, view.processing(), levelScale(info, view.level())));
        }
    }

    /** iipsrv writes the source resolution scaled to the level, not corrected for a resize. */
    private static double levelScale(ImageInfo info, int level) {
        return (double) info.levels.get(level).width() / info.width();
    }

    private static int[] histogramIfNeeded(OpenImage image, Processing p) throws ImageException {
        if (!p.needsHistogram()) {
            return null;
        }
        return image.histogram(img -> {
            ImageInfo info = img.info();
            int smallest = info.levels.size() - 1;
            Level level = info.levels.get(smallest);
            PixelBlock pixels = img.reader().readRegion(smallest, 0, 0, level.width(), level.height());
            return Histogram.of(pixels, info);
        });
    }

    /**
     * iipsrv's "processing required" test for tiles (spec 3.3 step 4): pass-through only without
     * it. A watermark also needs the pixels; callers check it separately.
     */
    static boolean needsRawPixels(ImageInfo info, Processing p) {
        return info.bitsPerSample > 8 || info.colourSpace == ColourSpace.CIELAB || info.channels == 2
                || info.channels > 3 || !p.isIdentity();
    }
}
