package io.github.iipservlet.protocol.zoomify;

import io.github.iipservlet.config.CNumbers;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.process.Processing;
import io.github.iipservlet.protocol.PercentDecoding;
import io.github.iipservlet.protocol.ProtocolRequests;
import io.github.iipservlet.protocol.View;
import io.github.iipservlet.web.Advert;
import io.github.iipservlet.web.HttpReplies;
import io.github.iipservlet.web.Services;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Zoomify (spec 6): {@code <image>/ImageProperties.xml} and {@code <image>/TileGroup<g>/<z>-<x>-<y>.jpg},
 * by {@code ?Zoomify=} through the front servlet or as a path under {@code /zoomify/}. Zoomify's
 * level 0 is the largest pyramid level that fits in one tile; smaller ones are skipped. The
 * TileGroup number is not needed to find a tile (iipsrv ignores it too). A tile's view is the JTL
 * view of the same tile, so both share a cache entry. Tiles that do not exist are 404 (decision 2).
 */
public final class ZoomifyServlet extends HttpServlet {
    private static final String PROPERTIES = "ImageProperties.xml";

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String argument = ProtocolRequests.argument(request, "Zoomify");
        if (argument == null) {
            Advert.send(response);
            return;
        }
        Services services = Services.of(getServletContext());
        int lastSlash = argument.lastIndexOf('/');
        boolean properties = lastSlash >= 0 && argument.substring(lastSlash + 1).equals(PROPERTIES);
        int group = argument.indexOf("/TileGroup");
        if (!properties && group < 0) {
            HttpReplies.notFound(response, "Not a Zoomify request");
            return;
        }
        String identifier = PercentDecoding.decode(argument.substring(0, properties ? lastSlash : group));
        try (OpenImage image = services.images().open(identifier)) {
            ImageInfo info = image.info();
            if (!image.reloaded && HttpReplies.notModified(request.getHeader("If-Modified-Since"), info.lastModified)) {
                HttpReplies.headerOnly(response, HttpServletResponse.SC_NOT_MODIFIED);
                return;
            }
            if (properties) {
                String xml = "<IMAGE_PROPERTIES WIDTH=\"" + info.width() + "\" HEIGHT=\"" + info.height()
                        + "\" NUMTILES=\"" + tileCount(info) + "\" NUMIMAGES=\"1\" VERSION=\"1.8\" TILESIZE=\""
                        + info.levels.get(0).tileWidth() + "\"/>";
                HttpReplies.content(response, "application/xml", xml.getBytes(StandardCharsets.UTF_8),
                        info.lastModified);
                return;
            }
            View view = tileView(image, argument.substring(lastSlash + 1), services.renderer().defaultQuality());
            if (view == null) {
                HttpReplies.notFound(response, "No such Zoomify tile");
                return;
            }
            HttpReplies.content(response, OutputFormat.JPEG.mimeType, services.renderer().render(view, image),
                    info.lastModified);
        } catch (ImageException e) {
            HttpReplies.notFound(response, e.kind() == ImageException.Kind.UNSUPPORTED ? "Unsupported image"
                    : e.getMessage());
        }
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

    /** Tiles over the levels Zoomify shows (iipsrv 1.3's NUMTILES). */
    static int tileCount(ImageInfo info) {
        int count = 0;
        for (int r = skippedLevels(info); r < info.resolutionCount(); r++) {
            count += info.levelForResolution(r).tileCount();
        }
        return count;
    }

    /** The view of {@code <z>-<x>-<y>.<ext>}, or null when that tile does not exist. */
    static View tileView(OpenImage image, String name, int quality) {
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
        int resolution = CNumbers.atoi(parts[0]) + skippedLevels(info);
        int x = CNumbers.atoi(parts[1]);
        int y = CNumbers.atoi(parts[2]);
        if (resolution < 0 || resolution >= info.resolutionCount() || x < 0 || y < 0) {
            return null;
        }
        Level level = info.levelForResolution(resolution);
        if (x >= level.tilesAcross() || y >= level.tilesDown()) {
            return null;
        }
        return View.tile(image.cacheIdentity(), info.resolutionCount() - 1 - resolution, y * level.tilesAcross() + x,
                Processing.NONE, OutputFormat.JPEG, quality);
    }
}
