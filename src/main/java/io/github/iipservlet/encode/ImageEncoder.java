package io.github.iipservlet.encode;

import io.github.iipservlet.image.PixelBlock;

/**
 * An output encoder (spec 10). Implementations take 8-bit interleaved blocks as produced by
 * {@link io.github.iipservlet.process.Pipeline} and must be safe to call from many threads.
 */
public interface ImageEncoder {

    /** MIME type of the output, e.g. {@code image/jpeg}. */
    String mimeType();

    /** File suffix without the dot, e.g. {@code jpg}. */
    String suffix();

    /** Most channels the format accepts (the pipeline's {@code maxChannels}). */
    int maxChannels();

    /**
     * Encodes the block.
     *
     * @param quality        format-specific quality setting
     * @param dpiX           horizontal resolution in pixels per unit (0 = unknown)
     * @param dpiY           vertical resolution in pixels per unit (0 = unknown)
     * @param resolutionUnit 0 none, 1 inch, 2 centimetre (iipsrv's numbering)
     */
    byte[] encode(PixelBlock eightBit, int quality, double dpiX, double dpiY, int resolutionUnit);
}
