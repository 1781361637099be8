package io.github.iipservlet.image;

import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.parallel.Workers;
import java.util.List;

/**
 * Reads tiles and regions of one multi-resolution image file. Implementations are safe for
 * concurrent use by several request threads (positional reads, no shared stream position).
 * Readers know files, never HTTP.
 *
 * <p>{@code level} is an index into {@link ImageInfo#levels}: 0 is full resolution.
 */
public interface PyramidReader extends AutoCloseable {

    ImageInfo info();

    /**
     * Decodes one tile to raw samples, cropped to the image at edge tiles.
     *
     * @throws ImageException NOT_FOUND for a level or tile index that does not exist
     */
    PixelBlock readTile(int level, int tile) throws ImageException;

    /**
     * A tile read as the region of its level it covers, for readers whose tiles are virtual
     * (JPEG2000, plain images): decoded as an area, never assembled from stored tiles.
     *
     * @throws ImageException NOT_FOUND for a level or tile index that does not exist
     */
    static PixelBlock tileAsRegion(PyramidReader reader, int level, int tile) throws ImageException {
        List<Level> levels = reader.info().levels;
        if (level < 0 || level >= levels.size()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: " + level);
        }
        Level lv = levels.get(level);
        if (tile < 0 || tile >= lv.tileCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent tile: " + tile);
        }
        int col = tile % lv.tilesAcross();
        int row = tile / lv.tilesAcross();
        return reader.readRegion(level, col * lv.tileWidth(), row * lv.tileHeight(), lv.tileWidthAt(col),
                lv.tileHeightAt(row));
    }

    /**
     * The tile as a complete, decodable JPEG stream without decoding it, when the file stores it
     * as JPEG and the stored bytes show exactly the tile (not an edge tile padded by the writer);
     * otherwise null. Used for codec pass-through.
     */
    default byte[] readJpegTile(int level, int tile) throws ImageException {
        return null;
    }

    /**
     * The tile as a complete WebP file without decoding it, when the file stores it as WebP and the
     * stored bytes show exactly the tile (not an edge tile padded by the writer); otherwise null.
     * Used for codec pass-through of WebP output (docs/protocols.md 9.2).
     */
    default byte[] readWebpTile(int level, int tile) throws ImageException {
        return null;
    }

    /**
     * Decodes a rectangle of one level (coordinates in that level's pixels, clipped by the caller
     * to the level) by assembling the tiles it touches.
     */
    default PixelBlock readRegion(int level, int x, int y, int width, int height) throws ImageException {
        return Regions.assemble(this, level, x, y, width, height);
    }

    /**
     * The region as 8-bit pixels in native memory, for a render that goes straight from decoder to
     * encoder; null when this reader or level cannot (the caller then uses {@link #readRegion}).
     * The caller closes the image.
     *
     * @param workers threads the decoding may use (the caller's included)
     */
    default NativeImage readRegionNative(int level, int x, int y, int width, int height, Workers workers)
            throws ImageException {
        return null;
    }

    /**
     * Says that a region of a level is about to be read, so that a reader of a remote file can fetch
     * its tiles together (docs/operations.md "Object storage"). Readers of local files ignore it.
     */
    default void prefetch(int level, int x, int y, int width, int height) throws ImageException {
    }

    /** True for an image with quality layers (JPEG2000), which LYR and MAX_LAYERS choose among. */
    default boolean hasQualityLayers() {
        return false;
    }

    /**
     * This image decoding a number of JPEG2000 quality layers (docs/protocols.md 3.9), given as iipsrv's layer
     * value: negative for all, 0 for the default (half), n for that many. Images without layers
     * return themselves. The reader returned shares this one's file and is never closed on its own.
     */
    default PyramidReader withLayers(int layers) {
        return this;
    }

    /**
     * The pages of an image stack (docs/protocols.md 9.4), in file order; empty for a single image. Page i is
     * read through {@link #page}.
     */
    default List<StackItem> stack() {
        return List.of();
    }

    /**
     * The reader of one page of a stack (page 0 is this reader). It shares this reader's file and
     * is closed with it, never on its own.
     *
     * @throws ImageException NOT_FOUND for a page that does not exist
     */
    default PyramidReader page(int index) throws ImageException {
        if (index == 0) {
            return this;
        }
        throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent page: " + index);
    }

    @Override
    void close();
}
