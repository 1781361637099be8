package io.github.iipservlet.encode;

import io.github.iipservlet.image.PixelBlock;

/**
 * An output encoder (docs/protocols.md 10). Implementations take interleaved blocks as produced by
 * {@link io.github.iipservlet.process.Pipeline} (8-bit) or, where {@link #keepsSixteenBit()} says
 * so, 16-bit unsigned blocks, and must be safe to call from many threads.
 */
public interface ImageEncoder {

    /** The format written: its MIME type and file suffix. */
    OutputFormat format();

    /**
     * Most channels the format accepts (the pipeline's {@code maxChannels}). 3 means JPEG's rule
     * (2 channels become 1); 4 keeps grey+alpha and RGBA.
     */
    int maxChannels();

    /** True when the encoder writes 16-bit samples as they are (PNG, TIFF). */
    default boolean keepsSixteenBit() {
        return false;
    }

    /**
     * Encodes the block.
     *
     * @param quality  format-specific quality setting, already in the format's range
     * @param metadata resolution, ICC profile and text to write where the format allows
     */
    byte[] encode(PixelBlock block, int quality, OutputMetadata metadata);

    /**
     * Encodes the block with a resolution only.
     *
     * @param quality        format-specific quality setting
     * @param dpiX           horizontal resolution in pixels per unit (0 = unknown)
     * @param dpiY           vertical resolution in pixels per unit (0 = unknown)
     * @param resolutionUnit 0 none, 1 inch, 2 centimetre (iipsrv's numbering)
     */
    default byte[] encode(PixelBlock eightBit, int quality, double dpiX, double dpiY, int resolutionUnit) {
        return encode(eightBit, quality, OutputMetadata.resolution(dpiX, dpiY, resolutionUnit));
    }

    /**
     * Checks a block for the encoders that take 1 to 4 channels of 8- or 16-bit samples (PNG,
     * TIFF) and says whether it is 16-bit.
     */
    static boolean requireUpToFourChannels(PixelBlock block, String format) {
        boolean sixteen = block.data instanceof short[];
        if (block.channels < 1 || block.channels > 4 || !(block.data instanceof byte[] || sixteen)) {
            throw new IllegalArgumentException(format + " takes 1 to 4 channels of 8- or 16-bit samples");
        }
        return sixteen;
    }
}
