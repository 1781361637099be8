package io.github.iipservlet.render;

import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.process.Processing;

/**
 * The normalised view every protocol produces: which pixels of which image, processed how, encoded
 * how. Immutable; it is both the work order and the cache key, so a JTL tile, a IIIF tile and a
 * DeepZoom tile showing the same pixels are one cache entry.
 *
 * @param image      the image's cache identity ({@code OpenImage.cacheIdentity()}: name and version)
 * @param level      pyramid level, 0 = full resolution
 * @param tile       tile index within the level, or -1 for a region
 * @param x          region left in level pixels (regions only)
 * @param y          region top
 * @param width      region width
 * @param height     region height
 * @param outWidth   output width before rotation (regions; tiles keep their size)
 * @param outHeight  output height before rotation
 * @param processing pixel processing
 * @param format     output format
 * @param quality    encoder quality
 * @param layers     JPEG2000 quality layers asked for (IIP's LYR), 0 when not given
 */
public record View(String image, int level, int tile, int x, int y, int width, int height, int outWidth,
        int outHeight, Processing processing, OutputFormat format, int quality, int layers) {

    /**
     * Refuses a view no image can have, so a protocol's arithmetic slip (an overflow, a negative
     * size) is caught here as the bug it is, not deep in the renderer. Whether the level, tile or
     * region exists in the image is the reader's to say.
     */
    public View {
        if (image == null || processing == null || format == null || level < 0 || tile < -1 || layers < -1) {
            throw new IllegalArgumentException("impossible view: " + image + " level " + level + " tile " + tile);
        }
        boolean region = tile < 0;
        if (region ? x < 0 || y < 0 || width < 1 || height < 1 || outWidth < 1 || outHeight < 1
                || (long) x + width > Integer.MAX_VALUE || (long) y + height > Integer.MAX_VALUE
                : (x | y | width | height | outWidth | outHeight) != 0) {
            throw new IllegalArgumentException("impossible view: " + x + "," + y + " " + width + "x" + height
                    + " to " + outWidth + "x" + outHeight + (region ? "" : " for tile " + tile));
        }
    }

    public static View tile(String image, int level, int tile, Processing processing, OutputFormat format,
            int quality) {
        return new View(image, level, tile, 0, 0, 0, 0, 0, 0, processing, format, quality, 0);
    }

    public static View region(String image, int level, int x, int y, int width, int height, int outWidth,
            int outHeight, Processing processing, OutputFormat format, int quality) {
        return new View(image, level, -1, x, y, width, height, outWidth, outHeight, processing, format, quality,
                0);
    }

    /** The same view decoding the quality layers LYR asks for (JPEG2000 only; others ignore it). */
    public View withLayers(int lyr) {
        return new View(image, level, tile, x, y, width, height, outWidth, outHeight, processing, format, quality,
                lyr);
    }

    public boolean isTile() {
        return tile >= 0;
    }

    /** The cache key: names every field that changes the output bytes. */
    public String key() {
        StringBuilder b = new StringBuilder(image.length() + 48);
        b.append(image).append('|').append(level).append('|');
        if (tile >= 0) {
            b.append('t').append(tile);
        } else {
            b.append(x).append(',').append(y).append(',').append(width).append(',').append(height).append('>')
                    .append(outWidth).append('x').append(outHeight);
        }
        b.append('|').append(processing.key()).append('|').append(format.suffix).append(quality);
        if (layers != 0) {
            b.append("|L").append(layers);
        }
        return b.toString();
    }
}
