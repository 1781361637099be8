package io.github.iipservlet.protocol.deepzoom;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.process.Processing;
import io.github.iipservlet.protocol.TileProtocolServlet;
import io.github.iipservlet.render.View;

/**
 * DeepZoom (docs/protocols.md 7): {@code <image>.dzi} and {@code <image>_files/<level>/<col>_<row>.<ext>}, by
 * {@code ?DeepZoom=} through the front servlet or as a path under {@code /deepzoom/}. DeepZoom
 * level L is the image halved (rounding up) maxLevel - L times, maxLevel = ceil(log2(max(W, H))).
 * A level that is a pyramid level is served as that level's tile (the same view, so the same
 * cache entry, as the JTL tile); other levels, down to the 1x1 level 0, are rendered from the next
 * larger pyramid level (docs/decisions.md Decision 7). Tiles and levels that do not exist are 404
 * (docs/decisions.md Decision 2).
 */
public final class DeepZoomServlet extends TileProtocolServlet {
    static final String NAMESPACE = "http://schemas.microsoft.com/deepzoom/2008";

    @Override
    protected String command() {
        return "DeepZoom";
    }

    /** {@code <image>.dzi}, or {@code <image>_files/<level>/<col>_<row>.<ext>}. */
    @Override
    protected Target parse(String argument) {
        if (argument.endsWith(".dzi")) {
            return new Target(argument.substring(0, argument.length() - 4), null);
        }
        int files = argument.lastIndexOf("_files/");
        return files < 0 ? null : new Target(argument.substring(0, files), argument.substring(files + "_files/".length()));
    }

    @Override
    protected String descriptor(ImageInfo info) {
        return "<Image xmlns=\"" + NAMESPACE + "\" TileSize=\"" + info.levels.get(0).tileWidth()
                + "\" Overlap=\"0\" Format=\"jpg\"><Size Width=\"" + info.width() + "\" Height=\"" + info.height()
                + "\"/></Image>";
    }

    /** The view of {@code <level>/<col>_<row>.<ext>}, or null when that tile does not exist. */
    @Override
    protected View tileView(OpenImage image, String tilePath, int quality) {
        int slash = tilePath.indexOf('/');
        int underscore = tilePath.indexOf('_', slash + 1);
        if (slash <= 0 || underscore < 0 || tilePath.indexOf('/', slash + 1) >= 0) {
            return null;
        }
        int dot = tilePath.indexOf('.', underscore);
        String levelText = tilePath.substring(0, slash);
        String colText = tilePath.substring(slash + 1, underscore);
        String rowText = tilePath.substring(underscore + 1, dot < 0 ? tilePath.length() : dot);
        if (!CNumbers.isWellFormed(levelText, false) || !CNumbers.isWellFormed(colText, false)
                || !CNumbers.isWellFormed(rowText, false)) {
            return null;
        }
        ImageInfo info = image.info();
        int maxLevel = maxLevel(info.width(), info.height());
        long dzLevel = CNumbers.atol(levelText);
        long col = CNumbers.atol(colText);
        long row = CNumbers.atol(rowText);
        if (dzLevel < 0 || dzLevel > maxLevel || col < 0 || row < 0 || col > Integer.MAX_VALUE
                || row > Integer.MAX_VALUE) {
            return null;
        }
        int shift = maxLevel - (int) dzLevel;
        int levelW = halve(info.width(), shift);
        int levelH = halve(info.height(), shift);
        int tileSize = info.levels.get(0).tileWidth();
        // In long: a column such as 8388608 times the tile size overflows an int.
        long left = col * tileSize;
        long top = row * tileSize;
        if (left >= levelW || top >= levelH) {
            return null;
        }
        int x = (int) left;
        int y = (int) top;
        int w = Math.min(tileSize, levelW - x);
        int h = Math.min(tileSize, levelH - y);
        // The smallest pyramid level at least as large as this DeepZoom level.
        int source = 0;
        for (int k = info.levels.size() - 1; k >= 0; k--) {
            Level candidate = info.levels.get(k);
            if (candidate.width() >= levelW && candidate.height() >= levelH) {
                source = k;
                break;
            }
        }
        Level level = info.levels.get(source);
        if (level.width() == levelW && level.height() == levelH && level.tileWidth() == tileSize
                && level.tileHeight() == tileSize) {
            return View.tile(image.cacheIdentity(), source, y / tileSize * level.tilesAcross() + x / tileSize,
                    Processing.NONE, OutputFormat.JPEG, quality);
        }
        double sx = (double) level.width() / levelW;
        double sy = (double) level.height() / levelH;
        int rx = (int) Math.floor(x * sx);
        int ry = (int) Math.floor(y * sy);
        int rw = Math.max(1, Math.min(level.width() - rx, (int) Math.round(w * sx)));
        int rh = Math.max(1, Math.min(level.height() - ry, (int) Math.round(h * sy)));
        return View.region(image.cacheIdentity(), source, rx, ry, rw, rh, w, h, Processing.NONE, OutputFormat.JPEG,
                quality);
    }

    /** ceil(log2(max(w, h))): the full-resolution DeepZoom level. */
    static int maxLevel(int width, int height) {
        int max = Math.max(width, height);
        return max <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(max - 1);
    }

    /** A size halved {@code times} times, rounding up (DeepZoom's level sizes). */
    static int halve(int size, int times) {
        long s = size;
        for (int i = 0; i < times; i++) {
            s = (s + 1) / 2;
        }
        return (int) Math.max(1, s);
    }
}
