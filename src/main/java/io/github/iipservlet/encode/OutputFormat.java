package io.github.iipservlet.encode;

import java.util.Locale;

/**
 * The image formats a view can be encoded to (docs/protocols.md 10). The order is iipsrv's in info.json
 * ({@code "jpg","png","tif","webp","avif"}), which {@code InfoJson} lists from {@link #values()}.
 */
public enum OutputFormat {
    JPEG("image/jpeg", "jpg", 65535),
    PNG("image/png", "png", Integer.MAX_VALUE),
    TIFF("image/tiff", "tif", Integer.MAX_VALUE),
    WEBP("image/webp", "webp", WebpEncoder.MAX_DIMENSION),
    /** AV1 allows 65,536 a side; libavif 0.11 refuses images above 16,384 x 16,384 pixels in all. */
    AVIF("image/avif", "avif", 65535);

    public final String mimeType;
    public final String suffix;
    /**
     * Largest width or height the format can hold (JPEG 65535, WebP 16383): protocols refuse
     * larger outputs before rendering, which matters only when MAX_CVT is raised above 5000.
     */
    public final int maxDimension;

    OutputFormat(String mimeType, String suffix, int maxDimension) {
        this.mimeType = mimeType;
        this.suffix = suffix;
        this.maxDimension = maxDimension;
    }

    /**
     * False for WebP when its bundled native library cannot be loaded on this platform, and for
     * AVIF without the system libavif: the format is then neither advertised nor served, as in an
     * iipsrv built without libwebp or libavif.
     */
    public boolean available() {
        return switch (this) {
            case WEBP -> WebpEncoder.isAvailable();
            case AVIF -> AvifEncoder.isAvailable();
            default -> true;
        };
    }

    /** The format a IIIF request's suffix names ({@code jpg}, ...), or null when we do not write it. */
    public static OutputFormat forIiifSuffix(String suffix) {
        for (OutputFormat f : values()) {
            if (f.suffix.equals(suffix)) {
                return f.available() ? f : null;
            }
        }
        return null;
    }

    /**
     * The format CVT's argument names (docs/protocols.md 3.6: {@code jpeg}/{@code jpg}, {@code png},
     * {@code webp}, {@code avif}, {@code tiff}), or null for anything else, which CVT answers as JPEG. iipsrv
     * does not know {@code tif}; we accept it, since it is the suffix of the file we send.
     */
    public static OutputFormat forCvt(String argument) {
        OutputFormat f = switch (argument.toLowerCase(Locale.ROOT)) {
            case "jpeg", "jpg" -> JPEG;
            case "png" -> PNG;
            case "webp" -> WEBP;
            case "avif" -> AVIF;
            case "tiff", "tif" -> TIFF;
            default -> null;
        };
        return f != null && f.available() ? f : null;
    }
}
