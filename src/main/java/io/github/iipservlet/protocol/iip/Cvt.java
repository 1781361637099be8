package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.protocol.OutputNames;
import io.github.iipservlet.render.TooLargeToRender;
import io.github.iipservlet.render.View;
import io.github.iipservlet.render.ViewGeometry;

/**
 * CVT=format (docs/protocols.md 3.6): the region (RGN) at the requested size (WID/HEI), processed, as JPEG,
 * PNG, WebP or TIFF ({@code tif} too, which iipsrv sends as JPEG). Unknown formats fall back to
 * JPEG as iipsrv does.
 */
final class Cvt implements IipCommand {
    @Override
    public void run(IipSession session, String argument) throws ImageException, IipStop, TooLargeToRender {
        OpenImage image = session.requireView("");
        if (image == null) {
            return;
        }
        OutputFormat named = OutputFormat.forCvt(argument);
        OutputFormat format = named == null ? OutputFormat.JPEG : named;
        session.format = format;
        ImageInfo info = image.info();
        var config = session.services.config();
        ViewGeometry.Placement p = ViewGeometry.place(info, session.regionLeft, session.regionTop,
                session.regionWidth, session.regionHeight, session.requestedWidth, session.requestedHeight, true,
                config.allowUpscaling, config.maxCvt);
        if (Math.max(p.outWidth(), p.outHeight()) > format.maxDimension) {
            // Raised MAX_CVT only: an output this format cannot hold.
            throw new IipStop(IipStop.Reply.BAD_REQUEST, format.suffix + " output larger than "
                    + format.maxDimension + " pixels");
        }
        View view = View.region(image.cacheIdentity(), p.level(), p.x(), p.y(), p.width(), p.height(), p.outWidth(),
                p.outHeight(), session.processing(), format, session.quality(format))
                .withLayers(session.layersFor(image));
        String disposition = (session.post ? "attachment" : "inline") + "; filename=\""
                + OutputNames.fileName(image.identifier, p.outWidth(), p.outHeight(), format) + "\"";
        session.output = new IipSession.Output(format.mimeType, () -> session.services.renderer().render(view, image),
                disposition, info.lastModified);
    }
}
