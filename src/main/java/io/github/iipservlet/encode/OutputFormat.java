package io.github.iipservlet.encode;

/** The image formats a view can be encoded to. WebP and TIFF arrive with the pipeline issue. */
public enum OutputFormat {
    JPEG("image/jpeg", "jpg"),
    PNG("image/png", "png");

    public final String mimeType;
    public final String suffix;

    OutputFormat(String mimeType, String suffix) {
        this.mimeType = mimeType;
        this.suffix = suffix;
    }

    /** The format a IIIF request's suffix names ({@code jpg}, ...), or null when we do not write it. */
    public static OutputFormat forIiifSuffix(String suffix) {
        for (OutputFormat f : values()) {
            if (f.suffix.equals(suffix)) {
                return f;
            }
        }
        return null;
    }
}
