package io.github.iipservlet.encode;

/** The image formats a view can be encoded to. PNG, WebP and TIFF arrive with the pipeline issue. */
public enum OutputFormat {
    JPEG("image/jpeg", "jpg");

    public final String mimeType;
    public final String suffix;

    OutputFormat(String mimeType, String suffix) {
        this.mimeType = mimeType;
        this.suffix = suffix;
    }
}
