package io.github.iipservlet.config;

import io.github.iipservlet.CNumbers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * iipsrv's configuration variables (docs/protocols.md 12): same names, defaults and clamping, read once
 * into typed fields. Sources, later wins: web.xml context-params, environment variables, {@code -D}
 * system properties, then a map in the {@link #OVERRIDES_ATTRIBUTE} context attribute (for
 * embedding and tests). Nothing is looked up per request.
 */
public final class ServerConfig {
    /** Context attribute holding a {@code Map<String,String>} that overrides every other source. */
    public static final String OVERRIDES_ATTRIBUTE = "io.github.iipservlet.config.overrides";

    /**
     * Every variable iipsrv reads, plus the deprecated names we still accept (docs/decisions.md
     * Decision 9), plus our own JPEG2000_DECODER (auto, openjpeg or jj2000), MEMCACHED_WAIT,
     * FLUSH_SECRET, FLUSH_ROLE, TRUSTED_PROXIES and METRICS, those of remote image sources
     * (docs/operations.md "Object storage") and of access control (docs/operations.md "Access control").
     */
    public static final Set<String> NAMES = Set.of("VERBOSITY", "LOGFILE", "MAX_IMAGE_CACHE_SIZE",
            "MAX_METADATA_CACHE_SIZE", "FILESYSTEM_PREFIX", "FILESYSTEM_SUFFIX", "FILENAME_PATTERN", "JPEG_QUALITY",
            "PNG_QUALITY", "WEBP_QUALITY", "AVIF_QUALITY", "AVIF_CODEC", "TIFF_COMPRESSION", "TIFF_QUALITY", "MAX_CVT",
            "ALLOW_UPSCALING", "MAX_LAYERS", "WATERMARK", "WATERMARK_PROBABILITY", "WATERMARK_OPACITY",
            "MEMCACHED_SERVERS", "MEMCACHED_TIMEOUT", "INTERPOLATION", "CORS", "BASE_URL", "CACHE_CONTROL", "URI_MAP",
            "MAX_ICC", "CODEC_PASSTHROUGH", "KAKADU_READMODE", "IIIF_VERSION", "IIIF_DELIMITER", "IIIF_EXTRA_INFO",
            "IIIF_EXTENSIONS", "COPYRIGHT", "DECODER_MODULES", "OMP_NUM_THREADS", "EMBED_ICC",
            "MAX_IMAGE_METADATA_CACHE_SIZE", "JPEG2000_DECODER", "MEMCACHED_WAIT", "FLUSH_SECRET", "FLUSH_ROLE",
            "TRUSTED_PROXIES", "METRICS", "S3_ENDPOINT", "S3_REGION", "S3_PATH_STYLE", "REMOTE_CACHE_DIR",
            "REMOTE_CACHE_SIZE", "REMOTE_METADATA_TTL", "REMOTE_TIMEOUT", "REMOTE_CONNECTIONS", "REMOTE_HTTP_HEADER",
            "RASTER_CACHE_SIZE", "ACCESS_RULES", "ACCESS_RULES_FILE", "ACCESS_ORIGINS", "ACCESS_LABEL",
            "ACCESS_HEADING", "ACCESS_NOTE", "ACCESS_CONFIRM_LABEL", "ACCESS_LOGOUT_LABEL", "ACCESS_DENIED_HEADING",
            "ACCESS_DENIED_NOTE");

    public final int verbosity;
    public final String logFile;
    /** Tile store size in bytes (iipsrv's MB is 1,024,000 bytes); 0 disables it. */
    public final long maxImageCacheBytes;
    /** Entries; 0 disables the metadata cache, -1 is unlimited. */
    public final int maxMetadataCacheSize;
    public final String filesystemPrefix;
    public final String filesystemSuffix;
    public final String filenamePattern;
    public final int jpegQuality;
    public final int pngQuality;
    public final int webpQuality;
    public final int avifQuality;
    public final int avifCodec;
    public final int tiffCompression;
    public final int tiffQuality;
    /** Largest output dimension; {@link Integer#MAX_VALUE} when unlimited (MAX_CVT=-1). */
    public final int maxCvt;
    public final boolean allowUpscaling;
    public final int maxLayers;
    public final String watermark;
    public final double watermarkProbability;
    public final double watermarkOpacity;
    public final String memcachedServers;
    /** Expiry of memcached entries in seconds (iipsrv's name: it is not a network timeout). */
    public final int memcachedTimeout;
    /** Ours: milliseconds a request waits for memcached before rendering without it. */
    public final int memcachedWait;
    /** Ours: the secret a POST to /flush must carry; empty: not by secret. */
    public final String flushSecret;
    /** Ours: the container role whose users may POST to /flush; empty: not by role. */
    public final String flushRole;
    /**
     * Ours: {@code /metrics} (docs/operations.md "Metrics"): empty when off (unset, empty or 0),
     * {@code 1} open to anybody, anything else the container role a caller must have.
     */
    public final String metrics;
    /** Ours: access rules (docs/operations.md "Access control"), as written; empty for none. */
    public final String accessRules;
    /** Ours: a file of access rules, read again when it changes; empty for none. */
    public final String accessRulesFile;
    /**
     * Ours: origins besides this server's own that may receive IIIF access tokens, separated by
     * spaces or commas; {@code *} for any.
     */
    public final String accessOrigins;
    /** Ours: the texts of the IIIF access, logout and probe services (IIIF Authorization Flow 2.0). */
    public final String accessLabel;
    public final String accessHeading;
    public final String accessNote;
    public final String accessConfirmLabel;
    public final String accessLogoutLabel;
    public final String accessDeniedHeading;
    public final String accessDeniedNote;
    /** 0 nearest neighbour, anything else bilinear. */
    public final int interpolation;
    /** Access-Control-Allow-Origin value; empty = CORS off. */
    public final String cors;
    public final String baseUrl;
    public final String cacheControl;
    public final String uriMap;
    /** Largest ICC profile embedded (strictly smaller); -1 unlimited; 0 never. */
    public final int maxIcc;
    public final boolean codecPassthrough;
    public final int kakaduReadmode;
    public final int iiifVersion;
    public final String iiifDelimiter;
    public final String iiifExtraInfo;
    public final boolean iiifExtensions;
    public final String copyright;
    public final String decoderModules;
    /** Worker threads for large renders; 0 = number of cores. */
    public final int ompNumThreads;
    /** JPEG2000_DECODER: auto (OpenJPEG when libopenjp2 loads, else JJ2000), openjpeg or jj2000. */
    public final String jpeg2000Decoder;
    /**
     * Ours: the peers whose X-Forwarded-* headers are believed (docs/decisions.md Decision 11); by default loopback
     * and the private ranges, as Tomcat's RemoteIpValve. Empty: nobody's.
     */
    public final AddressRanges trustedProxies;

    /** Ours: an S3-compatible store's URL (Ceph, MinIO...); empty: AWS itself. */
    public final String s3Endpoint;
    /** Ours: the bucket's region; empty: the SDK's own lookup (AWS_REGION, profile), else us-east-1. */
    public final String s3Region;
    /** Ours: bucket in the path, not the host name (most compatible stores want it). */
    public final boolean s3PathStyle;
    /** Ours: folder of the disk cache of whole remote JPEG2000 files; empty: the webapp's temporary folder. */
    public final String remoteCacheDir;
    /** Ours: size of that cache in MB (1,000,000 bytes). */
    public final long remoteCacheSize;
    /**
     * Ours: MB (1,000,000 bytes) of decoded levels of plain JPEG, PNG and striped TIFF images kept
     * in memory (docs/operations.md "Configuration"); 0 keeps none.
     */
    public final long rasterCacheSize;
    /** Ours: seconds a remote object's metadata is used before one conditional request checks it. */
    public final int remoteMetadataTtl;
    /** Ours: seconds a request to the store may take before the reply is 503. */
    public final int remoteTimeout;
    /** Ours: requests to the store at once; more wait (within REMOTE_TIMEOUT). */
    public final int remoteConnections;
    /** Ours: a header sent with every request to a web-server source ("Name: value"), or empty. */
    public final String remoteHttpHeader;

    private final Map<String, String> effective;
    private final List<String> warnings;

    private ServerConfig(Function<String, String> source) {
        Parser p = new Parser(source);
        verbosity = Math.max(0, p.integer("VERBOSITY", 1));
        logFile = p.text("LOGFILE", "/tmp/iipsrv.log");
        double cacheMb = p.real("MAX_IMAGE_CACHE_SIZE", 10.0);
        maxImageCacheBytes = cacheMb <= 0 ? 0 : (long) (cacheMb * 1_024_000L);
        String metadataName = p.has("MAX_METADATA_CACHE_SIZE") || !p.has("MAX_IMAGE_METADATA_CACHE_SIZE")
                ? "MAX_METADATA_CACHE_SIZE" : p.deprecated("MAX_IMAGE_METADATA_CACHE_SIZE", "MAX_METADATA_CACHE_SIZE");
        int metadata = p.integer(metadataName, 1000);
        maxMetadataCacheSize = metadata < -1 ? -1 : metadata;
        filesystemPrefix = p.text("FILESYSTEM_PREFIX", "");
        filesystemSuffix = p.text("FILESYSTEM_SUFFIX", "");
        filenamePattern = p.text("FILENAME_PATTERN", "_pyr_");
        jpegQuality = p.clamped("JPEG_QUALITY", 75, 1, 100);
        pngQuality = p.clamped("PNG_QUALITY", 1, 0, 9);
        webpQuality = p.clamped("WEBP_QUALITY", 50, -1, 100);
        avifQuality = p.clamped("AVIF_QUALITY", 50, -1, 100);
        int codec = p.integer("AVIF_CODEC", 0);
        avifCodec = codec < 0 || codec > 3 ? 0 : codec;
        int tiffComp = p.integer("TIFF_COMPRESSION", 2);
        // 5 is Zstandard, as iipsrv documents it (iipsrv 1.3 itself resets values above 4 to 0).
        tiffCompression = tiffComp < 0 || tiffComp > 5 ? 0 : tiffComp;
        int tq = p.clamped("TIFF_QUALITY", 1, 0, 100);
        tiffQuality = tiffCompression == 2 ? Math.min(tq, 9) : tq;
        int cvt = p.integer("MAX_CVT", 5000);
        maxCvt = cvt == -1 ? Integer.MAX_VALUE : cvt == 0 ? 5000 : cvt < -1 ? 1 : cvt;
        allowUpscaling = p.integer("ALLOW_UPSCALING", 1) != 0;
        maxLayers = p.integer("MAX_LAYERS", 0);
        watermark = p.text("WATERMARK", "");
        watermarkProbability = Math.min(1, Math.max(0, p.real("WATERMARK_PROBABILITY", 1.0)));
        watermarkOpacity = Math.min(1, Math.max(0, p.real("WATERMARK_OPACITY", 1.0)));
        // Off when unset, unlike iipsrv's silent "localhost" (docs/decisions.md Decision 29).
        memcachedServers = p.text("MEMCACHED_SERVERS", "");
        memcachedTimeout = p.integer("MEMCACHED_TIMEOUT", 86400);
        memcachedWait = Math.max(1, p.integer("MEMCACHED_WAIT", 100));
        flushSecret = p.text("FLUSH_SECRET", "");
        flushRole = p.text("FLUSH_ROLE", "");
        String metricsValue = p.text("METRICS", "").trim();
        metrics = metricsValue.equals("0") ? "" : metricsValue;
        accessRules = p.text("ACCESS_RULES", "");
        accessRulesFile = p.text("ACCESS_RULES_FILE", "");
        accessOrigins = p.text("ACCESS_ORIGINS", "");
        accessLabel = p.text("ACCESS_LABEL", "Log in to see restricted images");
        accessHeading = p.text("ACCESS_HEADING", "This image is restricted");
        accessNote = p.text("ACCESS_NOTE", "Log in with your account to see it in full.");
        accessConfirmLabel = p.text("ACCESS_CONFIRM_LABEL", "Log in");
        accessLogoutLabel = p.text("ACCESS_LOGOUT_LABEL", "Log out");
        accessDeniedHeading = p.text("ACCESS_DENIED_HEADING", "Restricted image");
        accessDeniedNote = p.text("ACCESS_DENIED_NOTE", "You may see this image only at a smaller size, or not at all.");
        interpolation = p.integer("INTERPOLATION", 1);
        cors = p.text("CORS", "");
        baseUrl = p.text("BASE_URL", "");
        cacheControl = p.text("CACHE_CONTROL", "max-age=86400");
        uriMap = p.text("URI_MAP", "");
        int icc = p.integer("MAX_ICC", 65536);
        if (p.has("EMBED_ICC") && !p.has("MAX_ICC")) {
            p.deprecated("EMBED_ICC", "MAX_ICC");
            icc = p.integer("EMBED_ICC", 1) == 0 ? 0 : 65536;
        }
        maxIcc = icc;
        codecPassthrough = p.integer("CODEC_PASSTHROUGH", 1) != 0;
        kakaduReadmode = Math.min(2, Math.max(0, p.integer("KAKADU_READMODE", 0)));
        int iiif = p.integer("IIIF_VERSION", 3);
        iiifVersion = iiif < 1 ? 3 : iiif;
        iiifDelimiter = p.text("IIIF_DELIMITER", "");
        iiifExtraInfo = p.text("IIIF_EXTRA_INFO", "");
        iiifExtensions = p.integer("IIIF_EXTENSIONS", 0) != 0;
        copyright = p.text("COPYRIGHT", "");
        decoderModules = p.text("DECODER_MODULES", "");
        ompNumThreads = Math.max(0, p.integer("OMP_NUM_THREADS", 0));
        jpeg2000Decoder = p.text("JPEG2000_DECODER", "auto");
        trustedProxies = p.addresses("TRUSTED_PROXIES", AddressRanges.DEFAULT);
        s3Endpoint = p.text("S3_ENDPOINT", "");
        s3Region = p.text("S3_REGION", "");
        s3PathStyle = p.integer("S3_PATH_STYLE", 0) != 0;
        remoteCacheDir = p.text("REMOTE_CACHE_DIR", "");
        remoteCacheSize = Math.max(0, p.integer("REMOTE_CACHE_SIZE", 1024));
        remoteMetadataTtl = Math.max(0, p.integer("REMOTE_METADATA_TTL", 60));
        rasterCacheSize = Math.max(0, p.integer("RASTER_CACHE_SIZE", 256));
        remoteTimeout = Math.max(1, p.integer("REMOTE_TIMEOUT", 10));
        remoteConnections = Math.max(1, p.integer("REMOTE_CONNECTIONS", 32));
        remoteHttpHeader = p.text("REMOTE_HTTP_HEADER", "");
        if (!remoteHttpHeader.isEmpty()) {
            int colon = remoteHttpHeader.indexOf(':');
            p.effective.put("REMOTE_HTTP_HEADER", (colon > 0 ? remoteHttpHeader.substring(0, colon) + ": " : "")
                    + "(set, not shown)");
        }
        if (!flushSecret.isEmpty()) {
            p.effective.put("FLUSH_SECRET", "(set, not shown)"); // the start-up log must not reveal it
        }
        effective = Collections.unmodifiableMap(p.effective);
        warnings = List.copyOf(p.warnings);
    }

    /** True when /metrics answers (METRICS set). */
    public boolean metricsOn() {
        return !metrics.isEmpty();
    }

    /** The role a /metrics caller must have, or null when it is open to anybody (METRICS=1). */
    public String metricsRole() {
        return metrics.isEmpty() || metrics.equals("1") ? null : metrics;
    }

    /** Reads every variable from one lookup function (null = not set). */
    public static ServerConfig from(Function<String, String> source) {
        return new ServerConfig(source);
    }

    /** Defaults only. */
    public static ServerConfig defaults() {
        return from(name -> null);
    }

    /** The value used for each variable, for the start-up log. */
    public Map<String, String> effectiveValues() {
        return effective;
    }

    /** Malformed or deprecated values seen while reading, each naming the value used. */
    public List<String> warnings() {
        return warnings;
    }

    /** Reads one variable at a time, noting the value used and any warning. */
    private static final class Parser {
        private final Function<String, String> source;
        private final Map<String, String> effective = new LinkedHashMap<>();
        private final List<String> warnings = new ArrayList<>();

        Parser(Function<String, String> source) {
            this.source = source;
        }

        boolean has(String name) {
            String v = source.apply(name);
            return v != null;
        }

        String deprecated(String oldName, String newName) {
            warnings.add(oldName + " is deprecated: read as " + newName);
            return oldName;
        }

        String text(String name, String dflt) {
            String v = source.apply(name);
            String used = v == null ? dflt : v;
            effective.put(name, used);
            return used;
        }

        int integer(String name, int dflt) {
            String v = source.apply(name);
            if (v == null) {
                effective.put(name, Integer.toString(dflt));
                return dflt;
            }
            int used = CNumbers.atoi(v);
            if (!CNumbers.isWellFormed(v, false)) {
                warnings.add(name + "='" + v + "' is not a whole number: using " + used);
            }
            effective.put(name, Integer.toString(used));
            return used;
        }

        int clamped(String name, int dflt, int min, int max) {
            int v = integer(name, dflt);
            int used = Math.max(min, Math.min(max, v));
            if (used != v) {
                warnings.add(name + "=" + v + " is outside " + min + ".." + max + ": using " + used);
                effective.put(name, Integer.toString(used));
            }
            return used;
        }

        AddressRanges addresses(String name, String dflt) {
            String v = text(name, dflt);
            try {
                return AddressRanges.parse(v);
            } catch (IllegalArgumentException e) {
                warnings.add(name + ": " + e.getMessage() + ": nobody's proxy headers are believed");
                effective.put(name, "");
                return AddressRanges.NONE;
            }
        }

        double real(String name, double dflt) {
            String v = source.apply(name);
            if (v == null) {
                effective.put(name, Double.toString(dflt));
                return dflt;
            }
            double used = CNumbers.atof(v);
            if (!CNumbers.isWellFormed(v, true)) {
                warnings.add(name + "='" + v + "' is not a number: using " + used);
            }
            effective.put(name, Double.toString(used));
            return used;
        }
    }
}
