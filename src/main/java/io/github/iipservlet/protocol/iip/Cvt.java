package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.protocol.OutputNames;
import io.github.iipservlet.protocol.View;
import io.github.iipservlet.protocol.ViewGeometry;

/**
 * CVT=format (spec 3.6): the region (RGN) at the requested size (WID/HEI), processed. Unknown
 * formats fall back to JPEG as iipsrv does; PNG, WebP and TIFF arrive with the pipeline issue.
 */
final class Cvt implements IipCommand {
    @Override
    public void run(IipSession session, String argument) throws ImageException {
        OpenImage image = session.requireView("");
        if (image == null) {
            return;
        }
        OutputFormat format = OutputFormat.JPEG;
        session.format = format;
        ImageInfo info = image.info();
        var config = session.services.config();
        ViewGeometry.Placement p = ViewGeometry.place(info, session.regionLeft, session.regionTop,
                session.regionWidth, session.regionHeight, session.requestedWidth, session.requestedHeight, true,
                config.allowUpscaling, config.maxCvt);
        View view = View.region(image.cacheIdentity(), p.level(), p.x(), p.y(), p.width(), p.height(), p.outWidth(),
                p.outHeight(), session.processing(), format, session.jpegQuality);
        byte[] bytes = session.services.renderer().render(view, image);
        String disposition = (session.post ? "attachment" : "inline") + "; filename=\""
                + OutputNames.fileName(image.identifier, p.outWidth(), p.outHeight(), format) + "\"";
        session.output = new IipSession.Output(format.mimeType, bytes, disposition, info.lastModified);
    }
}
