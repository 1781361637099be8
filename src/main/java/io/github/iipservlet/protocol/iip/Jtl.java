package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.CNumbers;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.render.TooLargeToRender;
import io.github.iipservlet.render.View;

/** JTL=resolution,tile (docs/protocols.md 3.3): one tile of one resolution, in the current output format. */
final class Jtl implements IipCommand {
    @Override
    public void run(IipSession session, String argument) throws ImageException, IipStop, TooLargeToRender {
        int comma = argument.indexOf(',');
        int resolution = CNumbers.atoi(comma < 0 ? argument : argument.substring(0, comma));
        int tile = CNumbers.atoi(comma < 0 ? argument : argument.substring(comma + 1));
        sendTile(session, resolution, tile);
    }

    static void sendTile(IipSession session, int resolution, int tile)
            throws ImageException, IipStop, TooLargeToRender {
        OpenImage image = session.requireView("");
        if (image == null) {
            return;
        }
        ImageInfo info = image.info();
        if (resolution >= info.resolutionCount() && resolution < info.resolutionCount() + image.hiddenLevels()) {
            throw image.refused("this resolution");
        }
        if (resolution < 0 || resolution >= info.resolutionCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent resolution: "
                    + resolution);
        }
        Level level = info.levelForResolution(resolution);
        int index = tile;
        if (Math.floorMod((int) session.rotation, 360) == 180) {
            // iipsrv rotates the caller's tile grid with the image.
            index = level.tileCount() - tile - 1;
        }
        if (index < 0 || index >= level.tileCount()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Asked for non-existent tile: " + tile);
        }
        View view = View.tile(image.cacheIdentity(), info.resolutionCount() - 1 - resolution, index,
                session.processing(), session.format, session.quality(session.format)).withLayers(session.layersFor(image));
        session.output = new IipSession.Output(session.format.mimeType,
                () -> session.services.renderer().render(view, image), null, info.lastModified);
    }
}
