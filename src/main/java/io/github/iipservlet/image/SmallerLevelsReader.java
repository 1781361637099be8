package io.github.iipservlet.image;

import io.github.iipservlet.codec.NativeImage;
import io.github.iipservlet.parallel.Workers;
import java.util.List;

/**
 * A pyramid without its largest levels: what a caller limited to a size may see of an image
 * (docs/operations.md "Access control"). Level i here is level {@code hidden + i} of the file, so
 * the smaller image has the same tiles as the whole one at every level it keeps, and no pixel of
 * a hidden level can be read through it.
 */
final class SmallerLevelsReader implements PyramidReader {
    private final PyramidReader reader;
    private final int hidden;
    private final ImageInfo info;

    SmallerLevelsReader(PyramidReader reader, int hidden) {
        this.reader = reader;
        this.hidden = hidden;
        this.info = reader.info().withoutLargestLevels(hidden);
    }

    @Override
    public ImageInfo info() {
        return info;
    }

    /** The file's level for one of ours, NOT_FOUND for an index we do not have. */
    private int level(int level) throws ImageException {
        if (level < 0 || level >= info.levels.size()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: " + level);
        }
        return level + hidden;
    }

    @Override
    public PixelBlock readTile(int level, int tile) throws ImageException {
        return reader.readTile(level(level), tile);
    }

    @Override
    public byte[] readJpegTile(int level, int tile) throws ImageException {
        return reader.readJpegTile(level(level), tile);
    }

    @Override
    public byte[] readWebpTile(int level, int tile) throws ImageException {
        return reader.readWebpTile(level(level), tile);
    }

    @Override
    public PixelBlock readRegion(int level, int x, int y, int width, int height) throws ImageException {
        return reader.readRegion(level(level), x, y, width, height);
    }

    @Override
    public NativeImage readRegionNative(int level, int x, int y, int width, int height, Workers workers)
            throws ImageException {
        return reader.readRegionNative(level(level), x, y, width, height, workers);
    }

    @Override
    public void prefetch(int level, int x, int y, int width, int height) throws ImageException {
        reader.prefetch(level(level), x, y, width, height);
    }

    @Override
    public boolean hasQualityLayers() {
        return reader.hasQualityLayers();
    }

    @Override
    public PyramidReader withLayers(int layers) {
        PyramidReader layered = reader.withLayers(layers);
        return layered == reader ? this : new SmallerLevelsReader(layered, hidden);
    }

    @Override
    public List<StackItem> stack() {
        return List.of();
    }

    /** Never closed on its own: the reader it shows belongs to the image store. */
    @Override
    public void close() {
    }
}
