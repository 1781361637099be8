package io.github.iipservlet.image;

/** Builds a region of one level from the tiles that cover it. */
final class Regions {
    private Regions() {
    }

    static PixelBlock assemble(PyramidReader reader, int levelIndex, int x, int y, int width, int height)
            throws ImageException {
        ImageInfo info = reader.info();
        Level level = info.levels.get(levelIndex);
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > level.width() || y + height > level.height()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "region outside the image");
        }
        int tw = level.tileWidth();
        int th = level.tileHeight();
        int firstCol = x / tw;
        int lastCol = (x + width - 1) / tw;
        int firstRow = y / th;
        int lastRow = (y + height - 1) / th;
        PixelBlock out = null;
        Object outData = null;
        int channels = 0;
        for (int row = firstRow; row <= lastRow; row++) {
            for (int col = firstCol; col <= lastCol; col++) {
                PixelBlock tile = reader.readTile(levelIndex, row * level.tilesAcross() + col);
                if (out == null) {
                    channels = tile.channels;
                    outData = newArray(tile.data, width * height * channels);
                    out = new PixelBlock(width, height, channels, tile.bitsPerSample, tile.sampleType, outData);
                }
                int tileX0 = col * tw;
                int tileY0 = row * th;
                int sx = Math.max(x, tileX0);
                int ex = Math.min(x + width, tileX0 + tile.width);
                int sy = Math.max(y, tileY0);
                int ey = Math.min(y + height, tileY0 + tile.height);
                int run = (ex - sx) * channels;
                for (int py = sy; py < ey; py++) {
                    int src = ((py - tileY0) * tile.width + (sx - tileX0)) * channels;
                    int dst = ((py - y) * width + (sx - x)) * channels;
                    System.arraycopy(tile.data, src, outData, dst, run);
                }
            }
        }
        return out;
    }

    private static Object newArray(Object like, int length) {
        return java.lang.reflect.Array.newInstance(like.getClass().getComponentType(), length);
    }
}
