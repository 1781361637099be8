package io.github.iipservlet.protocol;

import io.github.iipservlet.cache.TileStore;
import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.encode.JpegEncoder;
import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.process.Histogram;
import io.github.iipservlet.process.Pipeline;
import io.github.iipservlet.process.Processing;

/**
 * Turns a {@link View} into encoded bytes: tile store first, then codec pass-through of a stored
 * JPEG tile, then decode, pipeline and encode, storing the result. One instance per context,
 * shared by all protocols and threads.
 */
public final class ViewRenderer {
    private final TileStore store;
    private final JpegEncoder jpeg;
    private final boolean passThrough;
    private final boolean bilinear;
    private final int defaultJpegQuality;

    public ViewRenderer(TileStore store, JpegEncoder jpeg, boolean passThrough, boolean bilinear,
            int defaultJpegQuality) {
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
        bytes = view.isTile() ? renderTile(view, image) : renderRegion(view, image);
        store.put(key, bytes);
        return bytes;
    }

    private byte[] renderTile(View view, OpenImage image) throws ImageException {
        ImageInfo info = image.info();
        if (!needsRawPixels(info, view.processing())) {
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
        return encode(out, info, view.level(), view.quality());
    }

    private byte[] renderRegion(View view, OpenImage image) throws ImageException {
        ImageInfo info = image.info();
        if (view.outWidth() == view.width() && view.outHeight() == view.height()
                && !needsRawPixels(info, view.processing())) {
            byte[] encoded = encodeNative(image, view, view.x(), view.y(), view.width(), view.height());
            if (encoded != null) {
                return encoded;
            }
        }
        PixelBlock raw = image.reader().readRegion(view.level(), view.x(), view.y(), view.width(), view.height());
        PixelBlock out = Pipeline.render(raw, info, view.processing(), view.outWidth(), view.outHeight(), bilinear,
                3, histogramIfNeeded(image, view.processing()));
        return encode(out, info, view.level(), view.quality());
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

    private byte[] encode(PixelBlock block, ImageInfo info, int level, int quality) {
        double scale = levelScale(info, level);
        return jpeg.encode(block, quality, info.dpiX * scale, info.dpiY * scale, info.resolutionUnit);
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
