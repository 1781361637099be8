package io.github.iipservlet.image;

/** One resolution of a pyramid: its size and its tile grid. */
public record Level(int width, int height, int tileWidth, int tileHeight) {

    public int tilesAcross() {
        return (width + tileWidth - 1) / tileWidth;
    }

    public int tilesDown() {
        return (height + tileHeight - 1) / tileHeight;
    }

    public int tileCount() {
        return tilesAcross() * tilesDown();
    }

    /** Width of the tile in column {@code col}: edge tiles are cropped to the image. */
    public int tileWidthAt(int col) {
        return Math.min(tileWidth, width - col * tileWidth);
    }

    public int tileHeightAt(int row) {
        return Math.min(tileHeight, height - row * tileHeight);
    }
}
