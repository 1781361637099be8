package io.github.iipservlet.image;

import java.util.ArrayList;
import java.util.List;

/** One resolution of a pyramid: its size and its tile grid. */
public record Level(int width, int height, int tileWidth, int tileHeight) {

    /** Only levels whose tiles can be counted: a damaged size must not overflow later arithmetic. */
    public Level {
        if (width < 1 || height < 1 || tileWidth < 1 || tileHeight < 1 || (width + (long) tileWidth - 1) / tileWidth
                * ((height + (long) tileHeight - 1) / tileHeight) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("level of " + width + "x" + height + " in tiles of " + tileWidth + "x"
                    + tileHeight);
        }
    }

    public int tilesAcross() {
        return (int) ((width + (long) tileWidth - 1) / tileWidth);
    }

    public int tilesDown() {
        return (int) ((height + (long) tileHeight - 1) / tileHeight);
    }

    public int tileCount() {
        return tilesAcross() * tilesDown();
    }

    /**
     * One tile's share of a rectangle of the level: the tile index, the part of the tile inside the
     * rectangle (sx, sy, w, h in tile pixels) and where that part lands in the rectangle (dx, dy).
     */
    public record TilePart(int tile, int sx, int sy, int w, int h, int dx, int dy) {
    }

    /**
     * The parts of the tiles that cover a rectangle of this level, row by row.
     *
     * @throws ImageException NOT_FOUND when the rectangle is empty or leaves the level
     */
    public List<TilePart> cover(int x, int y, int width, int height) throws ImageException {
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || (long) x + width > this.width
                || (long) y + height > this.height) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "region outside the image");
        }
        List<TilePart> parts = new ArrayList<>();
        for (int row = y / tileHeight; row <= (y + height - 1) / tileHeight; row++) {
            for (int col = x / tileWidth; col <= (x + width - 1) / tileWidth; col++) {
                int x0 = col * tileWidth;
                int y0 = row * tileHeight;
                int sx = Math.max(x, x0);
                int sy = Math.max(y, y0);
                int ex = Math.min(x + width, x0 + tileWidth);
                int ey = Math.min(y + height, y0 + tileHeight);
                parts.add(new TilePart(row * tilesAcross() + col, sx - x0, sy - y0, ex - sx, ey - sy, sx - x, sy - y));
            }
        }
        return parts;
    }

    /** Width of the tile in column {@code col}: edge tiles are cropped to the image. */
    public int tileWidthAt(int col) {
        return Math.min(tileWidth, width - col * tileWidth);
    }

    public int tileHeightAt(int row) {
        return Math.min(tileHeight, height - row * tileHeight);
    }
}
