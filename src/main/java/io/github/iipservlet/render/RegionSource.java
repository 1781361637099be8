package io.github.iipservlet.render;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.PixelBlock;
import io.github.iipservlet.image.PyramidReader;
import io.github.iipservlet.process.Pipeline;

/**
 * A region of one level read in bands of whole tile rows (each tile decoded once), or in one
 * piece when it is small, for the pipeline to process band by band on the workers.
 */
final class RegionSource implements Pipeline.Source {
    private final PyramidReader reader;
    private final View view;
    private final int[] starts;

    RegionSource(PyramidReader reader, View view, int tileHeight) {
        this.reader = reader;
        this.view = view;
        this.starts = bandStarts(view.y(), view.width(), view.height(), tileHeight);
    }

    @Override
    public int width() {
        return view.width();
    }

    @Override
    public int height() {
        return view.height();
    }

    @Override
    public int bands() {
        return starts.length - 1;
    }

    @Override
    public int bandStart(int band) {
        return starts[band];
    }

    @Override
    public PixelBlock read(int y, int rows) throws ImageException {
        return reader.readRegion(view.level(), view.x(), view.y() + y, view.width(), rows);
    }

    /**
     * Band boundaries (rows relative to the region, ending with its height): one band for a small
     * region, else one per tile row the region touches.
     */
    static int[] bandStarts(int y, int width, int height, int tileHeight) {
        if ((long) width * height < Pipeline.PARALLEL_PIXELS || tileHeight <= 0) {
            return new int[] {0, height};
        }
        int first = tileHeight - Math.floorMod(y, tileHeight);
        int n = 1 + (height - first + tileHeight - 1) / tileHeight;
        if (first >= height) {
            return new int[] {0, height};
        }
        int[] starts = new int[n + 1];
        for (int i = 1; i < n; i++) {
            starts[i] = first + (i - 1) * tileHeight;
        }
        starts[n] = height;
        return starts;
    }
}
