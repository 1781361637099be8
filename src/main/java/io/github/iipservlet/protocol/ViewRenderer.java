package io.github.iipservlet.protocol;

import io.github.iipservlet.Version;
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
import io.github.iipservlet.process.Histogram;
import io.github.iipservlet.process.Pipeline;
import io.github.iipservlet.process.Processing;
import java.util.concurrent.Semaphore;

/**
 * Turns a {@link View} into encoded bytes: tile store first, then codec pass-through of a stored
 * JPEG tile, then decode, pipeline and encode, storing the result. One instance per context,
 * shared by all protocols and threads.
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
     * -Xmx512m ran out of memory without it). A render larger than the whole budget runs alone.
     */
    private final Semaphore pixelBudget;
    private final int budgetKib;

    public ViewRenderer(TileStore store, JpegEncoder jpeg, boolean passThrough, boolean bilinear,
            int defaultJpegQuality) {
        this(store, jpeg, passThrough, bilinear, defaultJpegQuality, Runtime.getRuntime().maxMemory() / 2);
    }

    /** @param pixelBudgetBytes pixel memory renders may hold at once */
    public ViewRenderer(TileStore store, JpegEncoder jpeg, boolean passThrough, boolean bilinear,
            int defaultJpegQuality, long pixelBudgetBytes) {
        this(store, new Encoders(Version.SERVER, jpeg, 65536, ""), passThrough, bilinear, defaultJpegQuality,
                pixelBudgetBytes);
    }

    /**
     * @param encoders         one encoder per output format, with MAX_ICC and COPYRIGHT
     * @param pixelBudgetBytes pixel memory renders may hold at once
     */
    public ViewRenderer(TileStore store, Encoders encoders, boolean passThrough, boolean bilinear,
            int defaultJpegQuality, long pixelBudgetBytes) {
        this.budgetKib = (int) Math.max(1024, Math.min(Integer.MAX_VALUE, pixelBudgetBytes >> 10));
        this.pixelBudget = new Semaphore(budgetKib);
        this.store = store;
        this.encoders = encoders;
        this.jpeg = encoders.jpeg();
        this.passThrough = passThrough;
        this.bilinear = bilinear;
        this.defaultJpegQuality = defaultJpegQuality;
    }

    public int defaultQuality() {
        return defaultJpegQuality;
    }

    /** The encoded view, from the store or rendered now. */
    public byte[] render(View view, OpenImage image) throws ImageException {
        String key = view.key();
        byte[] bytes = store.get(key);
        if (bytes != null) {
            return bytes;
        }
        int reserved = (int) Math.min(budgetKib, pixelKib(view, image.info()));
        pixelBudget.acquireUninterruptibly(reserved);
        try {
            bytes = view.isTile() ? renderTile(view, image) : renderRegion(view, image);
        } finally {
            pixelBudget.release(reserved);
        }
        store.put(key, bytes);
        return bytes;
    }

    /** Estimated pixel memory of a render: the decoded samples plus the resized 8-bit output. */
    private static long pixelKib(View view, ImageInfo info) {
        long decoded;
        long output;
        if (view.isTile()) {
            Level level = info.levels.get(view.level());
            decoded = (long) level.tileWidth() * level.tileHeight();
            output = decoded;
        } else {
            decoded = (long) view.width() * view.height();
            output = (long) view.outWidth() * view.outHeight();
        }
        int bytesPerSample = Math.max(1, info.bitsPerSample / 8);
        // Floating-point processing and CIELAB conversion hold a float copy.
        int working = info.bitsPerSample > 8 || info.colourSpace == ColourSpace.CIELAB ? 4 : bytesPerSample;
        return (decoded * info.channels * (bytesPerSample + working) + output * info.channels) >> 10;
    }

    private byte[] renderTile(View view, OpenImage image) throws ImageException {
        ImageInfo info = image.info();
        if (view.format() == OutputFormat.JPEG && !needsRawPixels(info, view.processing())) {
            if (passThrough && view.quality() == defaultJpegQuality) {
                byte[] stored = image.reader().readJpegTile(view.level(), view.tile());
                if (stored != null) {
                    // iipsrv injects the ICC profile into passed-through tiles too.
                    byte[] icc = encoders.iccProfile(info, view.processing());
                    return icc == null ? stored : JpegEncoder.withIccProfile(stored, icc, info.channels);
                }
            }
            Level level = info.levels.get(view.level());
            int col = view.tile() % level.tilesAcross();
            int row = view.tile() / level.tilesAcross();
            byte[] encoded = encodeNative(image, view, col * level.tileWidth(), row * level.tileHeight(),
                    level.tileWidthAt(col), level.tileHeightAt(row));
            if (encoded != null) {
                return encoded;
            }
        }
        PixelBlock raw = image.reader().readTile(view.level(), view.tile());
        return process(raw, image, view, -1, -1);
    }

    private byte[] renderRegion(View view, OpenImage image) throws ImageException {
        ImageInfo info = image.info();
        if (view.format() == OutputFormat.JPEG && view.outWidth() == view.width()
                && view.outHeight() == view.height() && !needsRawPixels(info, view.processing())) {
            byte[] encoded = encodeNative(image, view, view.x(), view.y(), view.width(), view.height());
            if (encoded != null) {
                return encoded;
            }
        }
        PixelBlock raw = image.reader().readRegion(view.level(), view.x(), view.y(), view.width(), view.height());
        return process(raw, image, view, view.outWidth(), view.outHeight());
    }

    /**
     * Nothing changes the pixels: they stay in native memory from decoder to encoder when the
     * reader can do that for this level; else null.
     */
    private byte[] encodeNative(OpenImage image, View view, int x, int y, int width, int height)
            throws ImageException {
        try (NativeImage pixels = image.reader().readRegionNative(view.level(), x, y, width, height)) {
            if (pixels == null) {
                return null;
            }
            ImageInfo info = image.info();
            return jpeg.encode(pixels, view.quality(),
                    encoders.metadata(info, view.processing(), levelScale(info, view.level())));
        }
    }

    /**
     * Decoded samples to encoded bytes: 16-bit samples stay 16-bit for encoders that keep them
     * when nothing needs 8-bit processing ({@link SixteenBitPath}); everything else goes through
     * the pipeline, keeping as many channels as the encoder takes.
     */
    private byte[] process(PixelBlock raw, OpenImage image, View view, int outWidth, int outHeight)
            throws ImageException {
        ImageInfo info = image.info();
        ImageEncoder encoder = encoders.forFormat(view.format());
        // More than 4 channels keep 3 in every format (spec 5.2 step 6), not the first 4 as RGBA.
        int maxChannels = info.channels > 4 ? 3 : encoder.maxChannels();
        PixelBlock out = null;
        if (encoder.keepsSixteenBit() && SixteenBitPath.applies(info, view.processing())) {
            out = SixteenBitPath.render(raw, view.processing(), outWidth, outHeight, bilinear, maxChannels);
        }
        if (out == null) {
            out = Pipeline.render(raw, info, view.processing(), outWidth, outHeight, bilinear, maxChannels,
                    histogramIfNeeded(image, view.processing()));
        }
        return encoder.encode(out, view.quality(),
                encoders.metadata(info, view.processing(), levelScale(info, view.level())));
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

    /** iipsrv's "processing required" test for tiles (spec 3.3 step 4): pass-through only without it. */
    static boolean needsRawPixels(ImageInfo info, Processing p) {
        return info.bitsPerSample > 8 || info.colourSpace == ColourSpace.CIELAB || info.channels == 2
                || info.channels > 3 || !p.isIdentity();
    }
}
