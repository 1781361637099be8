package io.github.iipservlet.image;

/** Builds a region of one level from the tiles that cover it. */
final class Regions {
    private Regions() {
    }

    static PixelBlock assemble(PyramidReader reader, int levelIndex, int x, int y, int width, int height)
            throws ImageException {
        Level level = reader.info().levels.get(levelIndex);
        PixelBlock out = null;
        for (Level.TilePart part : level.cover(x, y, width, height)) {
            PixelBlock tile = reader.readTile(levelIndex, part.tile());
            if (out == null) {
                out = new PixelBlock(width, height, tile.channels, tile.bitsPerSample, tile.sampleType,
                        newArray(tile.data, width * height * tile.channels));
            }
            int ch = tile.channels;
            for (int r = 0; r < part.h(); r++) {
                System.arraycopy(tile.data, ((part.sy() + r) * tile.width + part.sx()) * ch, out.data,
                        ((part.dy() + r) * width + part.dx()) * ch, part.w() * ch);
            }
        }
        return out;
    }

    private static Object newArray(Object like, int length) {
        return java.lang.reflect.Array.newInstance(like.getClass().getComponentType(), length);
    }
}
