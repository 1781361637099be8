package io.github.iipservlet.render;

import io.github.iipservlet.cache.TileStore;
import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.encode.Encoders;
import io.github.iipservlet.encode.ImageEncoder;
import io.github.iipservlet.encode.JpegEncoder;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.encode.WebpEncoder;
import io.github.iipservlet.image.ColourSpace;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.PyramidReader;
import io.github.iipservlet.metrics.RenderTimes;
import io.github.iipservlet.parallel.Cancellation;
import io.github.iipservlet.parallel.Workers;
import io.github.iipservlet.process.Pipeline;
import io.github.iipservlet.process.Processing;
import io.github.iipservlet.process.Watermark;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a {@link View} into encoded bytes: the kept render first ({@link ViewCache}), then codec
 * pass-through of a stored JPEG or WebP tile, then decode, pipeline and encode, within the memory budget
 * ({@link MemoryBudget}). One instance per context, shared by all protocols and threads. Large
 * regions are read and processed in bands of tile rows on the {@link Workers}.
 */
public final class ViewRenderer {
    /**
     * What the renders of a context are asked to do. A field that changes the bytes of a view
     * belongs in {@link OutputFingerprint} too.
     */
    public record Settings(boolean passThrough, boolean bilinear, int defaultJpegQuality, int maxLayers,
            int defaultWebpQuality) {
        /** With WEBP_QUALITY at iipsrv's default, 50. */
        public Settings(boolean passThrough, boolean bilinear, int defaultJpegQuality, int maxLayers) {
            this(passThrough, bilinear, defaultJpegQuality, maxLayers, 50);
        }
    }

    private final ViewCache cache;
    private final Encoders encoders;
    private final JpegEncoder jpeg;
    private final Settings settings;
    private final MemoryBudget budget;
    private final Workers workers;
    private final Watermark watermark;
    private final RenderTimes times;
    private final OutputFingerprint fingerprint;
    /** Views rendered (not answered by the tile store), for /health. */
    private final LongAdder renders = new LongAdder();
    /** Renders stopped because their client had gone, for /health. */
    private final LongAdder abandoned = new LongAdder();

    /**
     * @param encoders    one encoder per output format, with MAX_ICC and COPYRIGHT
     * @param workers     threads for large renders
     * @param watermark   added to every tile and region, or null
     * @param times       told how long each render took, by kind (docs/operations.md "Metrics")
     * @param fingerprint this server's settings and codecs, the start of every tile-store key
     */
    public ViewRenderer(TileStore store, Encoders encoders, Settings settings, MemoryBudget budget, Workers workers,
            Watermark watermark, RenderTimes times, OutputFingerprint fingerprint) {
        this.times = times;
        this.fingerprint = fingerprint;
        this.cache = new ViewCache(store, watermark != null, fingerprint);
        this.encoders = encoders;
        this.jpeg = encoders.jpeg();
        this.settings = settings;
        this.budget = budget;
        this.workers = workers;
        this.watermark = watermark;
    }

    /** Views rendered since start: the tile store answered the others. */
    public long renders() {
        return renders.sum();
    }

    /** Renders stopped since start because their client had gone. */
    public long abandonedRenders() {
        return abandoned.sum();
    }

    public MemoryBudget budget() {
        return budget;
    }

    /** What the tile-store keys of this renderer start with, for /health. */
    public OutputFingerprint fingerprint() {
        return fingerprint;
    }

    public int defaultQuality() {
        return settings.defaultJpegQuality();
    }

    /**
     * iipsrv's layer value for a view (docs/protocols.md 3.9, View::getLayers): MAX_LAYERS caps LYR;
     * a negative MAX_LAYERS without LYR asks for all layers; otherwise LYR, 0 (the decoder's
     * default) when absent.
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
        return image.reader().withLayers(layerValue(settings.maxLayers(), view.layers()));
    }

    /**
     * The encoded view, from the kept renders or rendered now.
     *
     * @throws TooLargeToRender when the render would need more memory than the whole budget
     */
    public byte[] render(View view, OpenImage image) throws ImageException, TooLargeToRender {
        // Before the kept renders: one made for a caller allowed more is not this caller's.
        checkScale(view, image);
        byte[] bytes = cache.get(view);
        if (bytes != null) {
            return bytes;
        }
        ImageInfo info = checkedLevel(view, image);
        try (MemoryBudget.Reservation held = budget.reserve(view, info, workers.threads())) {
            renders.increment();
            long start = System.nanoTime();
            RenderTimes.Kind kind;
            if (!view.isTile()) {
                kind = RenderTimes.Kind.REGION;
                bytes = renderRegion(view, image);
            } else if ((bytes = passedThrough(view, image)) != null) {
                kind = RenderTimes.Kind.PASSTHROUGH;
            } else {
                kind = RenderTimes.Kind.TILE;
                bytes = renderTile(view, image);
            }
            times.record(kind, System.nanoTime() - start);
        } catch (Cancellation.Cancelled e) {
            abandoned.increment();
            throw e;
        }
        cache.put(view, bytes);
        return bytes;
    }

    /**
     * The raw samples of a view (a tile, or a region at its own size), read within the memory
     * budget as a render is, for replies made of sample values (SPECTRA, PFL). Not kept.
     */
    public PixelBlock samples(View view, OpenImage image) throws ImageException, TooLargeToRender {
        checkScale(view, image);
        ImageInfo info = checkedLevel(view, image);
        try (MemoryBudget.Reservation held = budget.reserve(view, info, 1)) {
            PyramidReader reader = reader(view, image);
            return view.isTile() ? reader.readTile(view.level(), view.tile())
                    : reader.readRegion(view.level(), view.x(), view.y(), view.width(), view.height());
        }
    }

    /**
     * Refuses a view that shows more of the image than its caller may receive
     * (docs/operations.md "Access control"): every path to pixels comes through here.
     */
    private static void checkScale(View view, OpenImage image) throws ImageException {
        if (view.isTile()) {
            image.checkScale(view.level(), 1, 1);
        } else {
            image.checkScale(view.level(), (double) view.outWidth() / view.width(),
                    (double) view.outHeight() / view.height());
        }
    }

    private static ImageInfo checkedLevel(View view, OpenImage image) throws ImageException {
        ImageInfo info = image.info();
        if (view.level() >= info.resolutionCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution");
        }
        return info;
    }

    /**
     * A stored JPEG or WebP tile sent as it is (CODEC_PASSTHROUGH) when the output is of the same
     * format, nothing would change its pixels and it is asked for at the format's default quality
     * (JPEG_QUALITY, WEBP_QUALITY); else null. The ICC profile is inserted as iipsrv does.
     */
    private byte[] passedThrough(View view, OpenImage image) throws ImageException {
        ImageInfo info = image.info();
        boolean jpegOut = view.format() == OutputFormat.JPEG;
        boolean webpOut = view.format() == OutputFormat.WEBP;
        if (!jpegOut && !webpOut || needsRawPixels(info, view.processing()) || watermark != null
                || !settings.passThrough()
                || view.quality() != (jpegOut ? settings.defaultJpegQuality() : settings.defaultWebpQuality())) {
            return null;
        }
        PyramidReader reader = reader(view, image);
        byte[] stored = jpegOut ? reader.readJpegTile(view.level(), view.tile())
                : reader.readWebpTile(view.level(), view.tile());
        if (stored == null) {
            return null;
        }
        byte[] icc = encoders.iccProfile(info, view.processing());
        // iipsrv injects the image's XMP into passed-through tiles too, unlike decoded ones (docs/protocols.md 10).
        String xmpText = info.metadata.get("xmp");
        byte[] xmp = xmpText == null || xmpText.isEmpty() ? null
                : xmpText.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] out = stored;
        if (jpegOut) {
            out = icc == null ? out : JpegEncoder.withIccProfile(out, icc, info.channels);
            return xmp == null ? out : JpegEncoder.withXmp(out, xmp);
        }
        Level level = info.levels.get(view.level());
        out = icc == null ? out
                : WebpEncoder.withIccProfile(out, icc, level.tileWidth(), level.tileHeight(), info.channels == 4);
        return xmp == null ? out
                : WebpEncoder.withMetadata(out, null, xmp, level.tileWidth(), level.tileHeight(), info.channels == 4);
    }

    /** A tile decoded and encoded (after {@link #passedThrough} found no stored JPEG tile to send). */
    private byte[] renderTile(View view, OpenImage image) throws ImageException {
        ImageInfo info = image.info();
        Level level = info.levels.get(view.level());
        if (view.format() == OutputFormat.JPEG && !needsRawPixels(info, view.processing()) && watermark == null) {
            int col = view.tile() % level.tilesAcross();
            int row = view.tile() / level.tilesAcross();
            byte[] encoded = encodeNative(image, view, col * level.tileWidth(), row * level.tileHeight(),
                    level.tileWidthAt(col), level.tileHeightAt(row));
            if (encoded != null) {
                return encoded;
            }
        }
        PixelBlock raw = reader(view, image).readTile(view.level(), view.tile());
        // A tile is one watermark block (docs/protocols.md 5.5).
        return process(Pipeline.source(raw), raw, image, view, -1, -1, Workers.SERIAL, -1);
    }

    private byte[] renderRegion(View view, OpenImage image) throws ImageException {
        ImageInfo info = image.info();
        // A remote file's tiles under the region in one round of requests, not one per band.
        reader(view, image).prefetch(view.level(), view.x(), view.y(), view.width(), view.height());
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
        // Watermark blocks of twice the source's largest tile side (docs/protocols.md 5.5).
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
        // More than 4 channels keep 3 in every format (docs/protocols.md 5.2 step 6), not the first 4 as RGBA.
        int maxChannels = info.channels > 4 ? 3 : encoder.maxChannels();
        PixelBlock out = null;
        if (watermark == null && encoder.keepsSixteenBit() && SixteenBitPath.applies(info, p)) {
            PixelBlock raw = whole != null ? whole : source.read(0, source.height());
            out = SixteenBitPath.render(raw, p, outWidth, outHeight, settings.bilinear(), maxChannels);
        }
        if (out == null) {
            Level level = info.levels.get(view.level());
            out = Pipeline.render(source, info, p,
                    new Pipeline.Options(outWidth, outHeight, settings.bilinear(), maxChannels, level.width(), threads),
                    Histograms.forProcessing(image, p));
            if (watermark != null) {
                int block = watermarkBlock > 0 ? watermarkBlock : Math.max(out.width, out.height);
                // The pipeline may hand back the reader's own array for a tile: the blend then copies.
                out = watermark.apply(out, block, out == whole, ThreadLocalRandom.current());
            }
        }
        if (outWidth > 0) {
            Cancellation.check(); // a region's encoding is worth skipping too
        }
        // XMP goes with regions only, as iipsrv's CVT (docs/protocols.md 10).
        return encoder.encode(out, view.quality(),
                encoders.metadata(info, p, levelScale(info, view.level()), !view.isTile()));
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
                    encoders.metadata(info, view.processing(), levelScale(info, view.level()), !view.isTile()));
        }
    }

    /** iipsrv writes the source resolution scaled to the level, not corrected for a resize. */
    private static double levelScale(ImageInfo info, int level) {
        return (double) info.levels.get(level).width() / info.width();
    }

    /**
     * iipsrv's "processing required" test for tiles (docs/protocols.md 3.3 step 4): pass-through only without
     * it. A watermark also needs the pixels; callers check it separately.
     */
    static boolean needsRawPixels(ImageInfo info, Processing p) {
        return info.bitsPerSample > 8 || info.colourSpace == ColourSpace.CIELAB || info.channels == 2
                || info.channels > 3 || !p.isIdentity();
    }
}
