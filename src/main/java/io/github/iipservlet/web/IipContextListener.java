package io.github.iipservlet.web;

import io.github.iipservlet.Version;
import io.github.iipservlet.cache.EhcacheTileStore;
import io.github.iipservlet.cache.MemcachedTileStore;
import io.github.iipservlet.cache.TierStats;
import io.github.iipservlet.cache.TieredTileStore;
import io.github.iipservlet.cache.TileStore;
import io.github.iipservlet.codec.LibAvif;
import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.access.AccessPolicy;
import io.github.iipservlet.access.AccessTokens;
import io.github.iipservlet.config.ServerConfig;
import io.github.iipservlet.encode.Encoders;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.encode.TiffEncoder;
import io.github.iipservlet.image.FileSource;
import io.github.iipservlet.image.ImageSource;
import io.github.iipservlet.image.remote.RemoteSource;
import io.github.iipservlet.image.ImageStore;
import io.github.iipservlet.image.formats.ImageFormats;
import io.github.iipservlet.image.jp2.Jp2Decoder;
import io.github.iipservlet.image.jp2.Jp2Decoders;
import io.github.iipservlet.image.raster.RasterCache;
import io.github.iipservlet.metrics.Metrics;
import io.github.iipservlet.metrics.RenderTimes;
import io.github.iipservlet.parallel.Workers;
import io.github.iipservlet.process.Watermark;
import io.github.iipservlet.protocol.Services;
import io.github.iipservlet.render.MemoryBudget;
import io.github.iipservlet.render.OutputFingerprint;
import io.github.iipservlet.render.ViewRenderer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Builds the context's services once (configuration, image store and reader pool, tile store,
 * renderer) and closes them when the webapp is undeployed.
 */
public final class IipContextListener implements ServletContextListener {
    private static final Logger LOG = LogManager.getLogger(IipContextListener.class);
    /** Where the bundled sample images live inside the WAR; served when FILESYSTEM_PREFIX is unset. */
    static final String SAMPLES = "/WEB-INF/samples/";

    private Path extractedSamples;
    private Workers workers;
    private Jp2Decoder jpeg2000;
    private NativeCodecs codecs;
    private RasterCache raster;
    private Metrics metrics;
    private Logging logging;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        ServerConfig config = ServerConfig.from(name -> lookup(context, name));
        logging = Logging.apply(config.verbosity, lookup(context, "LOGFILE") == null ? null : config.logFile);
        LOG.info("{} starting; configuration: {}", Version.SERVER, config.effectiveValues());
        for (String warning : config.warnings()) {
            LOG.warn(warning);
        }
        for (String name : java.util.Collections.list(context.getInitParameterNames())) {
            if (name.equals(name.toUpperCase()) && !ServerConfig.NAMES.contains(name)) {
                LOG.warn("unknown configuration variable {} is ignored", name);
            }
        }
        AccessPolicy access;
        try {
            access = new AccessPolicy(config.accessRules, config.accessRulesFile);
        } catch (IllegalArgumentException e) {
            // Refused outright: a server that cannot read its rules must not serve the images.
            LOG.error("not started: {}", e.getMessage());
            throw new IllegalStateException(e.getMessage(), e);
        }
        if (!access.unconfigured()) {
            LOG.info("access rules in force: {}", access.rules());
        }
        // ImageIO's disk cache would create temporary files for every encode.
        ImageIO.setUseCache(false);
        try {
            String prefix = config.filesystemPrefix;
            if (prefix.isEmpty()) {
                prefix = samplesFolder(context).toString() + "/";
                LOG.info("FILESYSTEM_PREFIX is not set: serving the bundled samples");
            }
            ImageSource source = imageSource(prefix, config, context);
            workers = new Workers(config.ompNumThreads);
            jpeg2000 = Jp2Decoders.select(config.jpeg2000Decoder, workers.threads());
            codecs = new NativeCodecs();
            MemoryBudget budget = new MemoryBudget(Runtime.getRuntime().maxMemory() / 2);
            raster = rasterCache(config, budget);
            context.setAttribute(RasterCache.class.getName(), raster);
            ImageStore images = new ImageStore(source, config.filesystemSuffix, config.maxMetadataCacheSize,
                    new ImageFormats(jpeg2000, codecs, raster)::open, config.filenamePattern);
            TileStore tiles = tileStore(config);
            Encoders encoders = new Encoders(Version.SERVER, codecs, config.maxIcc, config.copyright,
                    config.avifCodec);
            metrics = config.metricsOn() ? new Metrics() : null;
            OutputFingerprint fingerprint = OutputFingerprint.of(config, Version.SERVER, jpeg2000.name());
            ViewRenderer renderer = new ViewRenderer(tiles, encoders, new ViewRenderer.Settings(
                    config.codecPassthrough, config.interpolation != 0, config.jpegQuality, config.maxLayers,
                    config.webpQuality),
                    budget, workers, watermark(config),
                    metrics == null ? RenderTimes.NONE : metrics, fingerprint);
            logOutputFormats(config);
            if (metrics != null) {
                bindMetrics(metrics, images, tiles, renderer, codecs);
                context.setAttribute(Metrics.ATTRIBUTE, metrics);
                String role = config.metricsRole();
                LOG.info("/metrics is on, {}", role == null ? "open to anybody" : "for users in the role " + role);
            }
            context.setAttribute(Services.ATTRIBUTE, new Services(config, images, tiles, renderer, jpeg2000.name(),
                    codecs, System.currentTimeMillis(), access, new AccessTokens()));
            // Servers that share memcached share entries only when this matches (docs/operations.md
            // "Several servers sharing memcached"): the line to compare across a fleet.
            LOG.info("{} started; output fingerprint {} ({})", Version.SERVER, fingerprint.hex(),
                    fingerprint.canonical());
        } catch (IOException e) {
            throw new IllegalStateException("cannot use FILESYSTEM_PREFIX: " + e.getMessage(), e);
        }
    }

    /**
     * The decoded levels of plain images (docs/operations.md "Configuration"): RASTER_CACHE_SIZE MB,
     * at most a quarter of the heap, beside the render budget's half; each decode holds its working
     * memory from that budget while it runs.
     */
    private static RasterCache rasterCache(ServerConfig config, MemoryBudget budget) {
        long asked = config.rasterCacheSize * 1_000_000L;
        long quarter = Runtime.getRuntime().maxMemory() / 4;
        if (asked > quarter) {
            LOG.warn("RASTER_CACHE_SIZE={} is more than a quarter of the heap: keeping {} MB of decoded plain images",
                    config.rasterCacheSize, quarter / 1_000_000);
        }
        return new RasterCache(Math.min(asked, quarter), budget::reserveDecode);
    }

    /** Where FILESYSTEM_PREFIX says the images are: a local folder, or a bucket or web server (docs/operations.md "Object storage"). */
    private static ImageSource imageSource(String prefix, ServerConfig config, ServletContext context)
            throws IOException {
        if (!RemoteSource.isRemote(prefix)) {
            return new FileSource(prefix);
        }
        Path cache;
        if (!config.remoteCacheDir.isEmpty()) {
            cache = Path.of(config.remoteCacheDir);
        } else {
            Object temp = context.getAttribute(ServletContext.TEMPDIR);
            cache = (temp instanceof java.io.File f ? f.toPath() : Path.of(System.getProperty("java.io.tmpdir")))
                    .resolve("iip-remote-cache");
        }
        RemoteSource source = RemoteSource.open(prefix, new RemoteSource.Settings(config.s3Endpoint, config.s3Region,
                config.s3PathStyle, cache, config.remoteCacheSize * 1_000_000L, config.remoteMetadataTtl,
                config.remoteTimeout, config.remoteConnections, config.remoteHttpHeader));
        LOG.info("images from {} (JPEG2000 files cached whole in {}, up to {} MB)", source.describe(), cache,
                config.remoteCacheSize);
        return source;
    }

    /**
     * Ehcache sized by MAX_IMAGE_CACHE_SIZE, in front of memcached when MEMCACHED_SERVERS is set.
     * Unlike iipsrv (which tries localhost when it is unset) memcached is off unless configured.
     */
    private static TileStore tileStore(ServerConfig config) {
        TileStore local = config.maxImageCacheBytes > 0 ? new EhcacheTileStore(config.maxImageCacheBytes)
                : TileStore.NONE;
        if (config.memcachedServers.isBlank()) {
            return local;
        }
        try {
            return new TieredTileStore(local, new MemcachedTileStore(config.memcachedServers,
                    config.memcachedTimeout, config.memcachedWait));
        } catch (IOException | IllegalArgumentException e) {
            LOG.error("MEMCACHED_SERVERS={} cannot be used ({}): running without memcached", config.memcachedServers,
                    e.getMessage());
            return local;
        }
    }

    /**
     * The figures the context's objects already keep, read at each scrape (docs/operations.md
     * Metrics): open images, native codec memory, the render budget, abandoned renders and each
     * tier of the tile store.
     */
    private static void bindMetrics(Metrics metrics, ImageStore images, TileStore tiles, ViewRenderer renderer,
            NativeCodecs codecs) {
        metrics.openImages(images);
        metrics.nativeCodecs(codecs);
        metrics.memoryBudget(renderer.budget(), MemoryBudget::bytes, MemoryBudget::inUseBytes, MemoryBudget::waiting);
        metrics.abandonedRenders(renderer, ViewRenderer::abandonedRenders);
        for (TierStats tier : tiles.stats()) {
            String name = tier.tier();
            metrics.tileStoreTier(name, () -> tier(tiles, name), TierStats::hits, TierStats::misses,
                    TierStats::entries, TierStats::bytes, TierStats::reachable);
        }
    }

    /** One tier's figures now; zero (and unreachable) should it no longer be listed. */
    private static TierStats tier(TileStore tiles, String name) {
        for (TierStats t : tiles.stats()) {
            if (t.tier().equals(name)) {
                return t;
            }
        }
        return new TierStats(name, -1, -1, 0, 0, false);
    }

    /** Formats that cannot be written as configured are named once, at start-up. */
    private static void logOutputFormats(ServerConfig config) {
        // Loads WebP's native library now rather than on the first WebP request.
        if (!OutputFormat.WEBP.available()) {
            LOG.warn("WebP output is off: its native library does not load on this platform");
        }
        if (OutputFormat.AVIF.available()) {
            LOG.info("AVIF output through libavif {}", LibAvif.versions());
        } else {
            LOG.info("AVIF output is off: libavif 0.11 with an AV1 encoder is not installed (Debian: libavif15)");
        }
        if (TiffEncoder.written(config.tiffCompression) != config.tiffCompression) {
            LOG.warn("TIFF_COMPRESSION={} ({}) is not available here: Deflate is used", config.tiffCompression,
                    config.tiffCompression == TiffEncoder.ZSTD ? "Zstandard: libzstd is not installed"
                            : "WebP: the bundled libwebp does not load");
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        event.getServletContext().removeAttribute(Metrics.ATTRIBUTE);
        if (metrics != null) {
            metrics.close(); // the garbage collectors' listeners go with it (docs/operations.md "Metrics")
            metrics = null;
        }
        Services services = Services.of(event.getServletContext());
        if (services != null) {
            event.getServletContext().removeAttribute(Services.ATTRIBUTE);
            services.images().close();
            services.tiles().close();
        }
        event.getServletContext().removeAttribute(RasterCache.class.getName());
        if (raster != null) {
            raster.close();
            raster = null;
        }
        if (workers != null) {
            workers.close();
        }
        if (jpeg2000 != null) {
            jpeg2000.close();
        }
        if (codecs != null) {
            codecs.close();
        }
        if (extractedSamples != null) {
            deleteQuietly(extractedSamples);
        }
        LOG.info("{} stopped", Version.SERVER);
        if (logging != null) {
            logging.close();
        }
    }

    /** The WATERMARK image, or null when none is set or it cannot be read (logged; iipsrv carries on too). */
    private static Watermark watermark(ServerConfig config) {
        if (config.watermark.isEmpty()) {
            return null;
        }
        try {
            Watermark w = Watermark.load(Path.of(config.watermark), config.watermarkProbability,
                    config.watermarkOpacity);
            if (w != null) {
                LOG.info("watermark {} ({}x{}) loaded", config.watermark, w.width(), w.height());
            }
            return w;
        } catch (IOException | RuntimeException e) {
            LOG.error("WATERMARK {} cannot be read, no watermark: {}", config.watermark, e.getMessage());
            return null;
        }
    }

    /** Context-param, then environment, then system property, then the embedding override map. */
    private static String lookup(ServletContext context, String name) {
        String value = context.getInitParameter(name);
        String env = System.getenv(name);
        if (env != null) {
            value = env;
        }
        String property = System.getProperty(name);
        if (property != null) {
            value = property;
        }
        if (context.getAttribute(ServerConfig.OVERRIDES_ATTRIBUTE) instanceof Map<?, ?> overrides
                && overrides.get(name) instanceof String override) {
            value = override;
        }
        return value;
    }

    /** The samples folder on disk: in place when the WAR is unpacked, else copied out. */
    private Path samplesFolder(ServletContext context) throws IOException {
        String real = context.getRealPath(SAMPLES);
        if (real != null && Files.isDirectory(Path.of(real))) {
            return Path.of(real);
        }
        extractedSamples = Files.createTempDirectory("iip-servlet-samples");
        Set<String> resources = context.getResourcePaths(SAMPLES);
        if (resources != null) {
            for (String resource : resources) {
                if (resource.endsWith("/")) {
                    continue;
                }
                try (InputStream in = context.getResourceAsStream(resource)) {
                    Path target = extractedSamples.resolve(resource.substring(SAMPLES.length()));
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return extractedSamples;
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("could not delete {}", dir);
        }
    }
}
