package io.github.iipservlet.protocol;

import io.github.iipservlet.cache.TileStore;
import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.encode.ImageEncoder;
import io.github.iipservlet.encode.JpegEncoder;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.encode.PngEncoder;
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
    private final PngEncoder png = new PngEncoder();
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
        this.budgetKib = (int) Math.max(1024, Math.min(Integer.MAX_VALUE, pixelBudgetBytes >> 10));
        this.pixelBudget = new Semaphore(budgetKib);
        this.store = store;
        this.jpeg = jpeg;
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
                    return stored;
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
        PixelBlock out = Pipeline.render(raw, info, view.processing(), -1, -1, bilinear, 3,
                histogramIfNeeded(image, view.processing()));
        return encode(out, info, view);
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
        PixelBlock out = Pipeline.render(raw, info, view.processing(), view.outWidth(), view.outHeight(), bilinear,
                3, histogramIfNeeded(image, view.processing()));
        return encode(out, info, view);
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
            double scale = levelScale(info, view.level());
            return jpeg.encode(pixels, view.quality(), info.dpiX * scale, info.dpiY * scale, info.resolutionUnit);
        }
    }

    private byte[] encode(PixelBlock block, ImageInfo info, View view) {
        double scale = levelScale(info, view.level());
        ImageEncoder encoder = view.format() == OutputFormat.PNG ? png : jpeg;
        return encoder.encode(block, view.quality(), info.dpiX * scale, info.dpiY * scale, info.resolutionUnit);
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
