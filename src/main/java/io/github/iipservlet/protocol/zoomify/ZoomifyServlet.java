package io.github.iipservlet.protocol.zoomify;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.process.Processing;
import io.github.iipservlet.protocol.TileProtocolServlet;
import io.github.iipservlet.render.View;

/**
 * Zoomify (docs/protocols.md 6): {@code <image>/ImageProperties.xml} and {@code <image>/TileGroup<g>/<z>-<x>-<y>.jpg},
 * by {@code ?Zoomify=} through the front servlet or as a path under {@code /zoomify/}. Zoomify's
 * level 0 is the largest pyramid level that fits in one tile; smaller ones are skipped. The
 * TileGroup number is not needed to find a tile (iipsrv ignores it too). A tile's view is the JTL
 * view of the same tile, so both share a cache entry. Tiles that do not exist are 404 (docs/decisions.md Decision 2).
 */
public final class ZoomifyServlet extends TileProtocolServlet {
    private static final String PROPERTIES = "ImageProperties.xml";

    @Override
    protected String command() {
        return "Zoomify";
    }

    /** {@code <image>/ImageProperties.xml}, or {@code <image>/TileGroup<g>/<z>-<x>-<y>.<ext>}. */
    @Override
    protected Target parse(String argument) {
        int lastSlash = argument.lastIndexOf('/');
        if (lastSlash >= 0 && argument.substring(lastSlash + 1).equals(PROPERTIES)) {
            return new Target(argument.substring(0, lastSlash), null);
        }
        int group = argument.indexOf("/TileGroup");
        return group < 0 ? null : new Target(argument.substring(0, group), argument.substring(lastSlash + 1));
    }

    @Override
    protected String descriptor(ImageInfo info) {
        return "<IMAGE_PROPERTIES WIDTH=\"" + info.width() + "\" HEIGHT=\"" + info.height() + "\" NUMTILES=\""
                + tileCount(info) + "\" NUMIMAGES=\"1\" VERSION=\"1.8\" TILESIZE=\"" + info.levels.get(0).tileWidth()
                + "\"/>";
    }

    /**
     * How many of the smallest pyramid levels Zoomify skips: those smaller than one tile in both
     * dimensions, except the largest of them, which is Zoomify's level 0.
     */
    static int skippedLevels(ImageInfo info) {
        int tile = info.levels.get(0).tileWidth();
        int small = 0;
        for (Level level : info.levels) {
            if (level.width() < tile && level.height() < tile) {
                small++;
            }
        }
        return Math.max(small - 1, 0);
    }

    /**
     * iipsrv 1.3's NUMTILES (docs/protocols.md 6): 1 for Zoomify's level 0, plus the tiles of every
     * level that is not smaller than a tile in both directions. It counts the single tile even when
     * no level is that small, as when the smallest level is exactly one tile wide.
     */
    static int tileCount(ImageInfo info) {
        int tile = info.levels.get(0).tileWidth();
        int count = 1;
        for (Level level : info.levels) {
            if (level.width() >= tile || level.height() >= tile) {
                count += level.tileCount();
            }
        }
        return count;
    }

    /** The view of {@code <z>-<x>-<y>.<ext>}, or null when that tile does not exist. */
    @Override
    protected View tileView(OpenImage image, String name, int quality) {
        int dot = name.indexOf('.');
        String[] parts = (dot < 0 ? name : name.substring(0, dot)).split("-", -1);
        if (parts.length != 3) {
            return null;
        }
        for (String p : parts) {
            if (!CNumbers.isWellFormed(p, false)) {
                return null;
            }
        }
        ImageInfo info = image.info();
        // In long: numbers beyond an int are tiles that do not exist, not wrapped into ones that do.
        long resolution = CNumbers.atol(parts[0]) + skippedLevels(info);
        long x = CNumbers.atol(parts[1]);
        long y = CNumbers.atol(parts[2]);
        if (resolution < 0 || resolution >= info.resolutionCount() || x < 0 || y < 0) {
            return null;
        }
        Level level = info.levelForResolution((int) resolution);
        if (x >= level.tilesAcross() || y >= level.tilesDown()) {
            return null;
        }
        return View.tile(image.cacheIdentity(), info.resolutionCount() - 1 - (int) resolution,
                (int) y * level.tilesAcross() + (int) x, Processing.NONE, OutputFormat.JPEG, quality);
    }
}
