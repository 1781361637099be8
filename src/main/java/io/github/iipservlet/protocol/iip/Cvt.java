package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.protocol.View;
import io.github.iipservlet.protocol.ViewGeometry;

/**
 * CVT=format (spec 3.6): the region (RGN) at the requested size (WID/HEI), processed. Unknown
 * formats fall back to JPEG as iipsrv does; PNG, WebP and TIFF arrive with the pipeline issue.
 */
final class Cvt implements IipCommand {
    @Override
    public void run(IipSession session, String argument) throws ImageException {
        OpenImage image = session.requireImage("");
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
                + fileName(image.identifier, p.outWidth(), p.outHeight(), format) + "\"";
        session.output = new IipSession.Output(format.mimeType, bytes, disposition, info.lastModified);
    }

    /** {@code <basename without extension>_<W>x<H>.<suffix>}, with characters unsafe in a header replaced. */
    static String fileName(String identifier, int width, int height, OutputFormat format) {
        String base = identifier.substring(identifier.lastIndexOf('/') + 1);
        int dot = base.lastIndexOf('.');
        if (dot > 0) {
            base = base.substring(0, dot);
        }
        StringBuilder b = new StringBuilder(base.length() + 16);
        for (int i = 0; i < base.length(); i++) {
            char c = base.charAt(i);
            b.append(c < 0x20 || c > 0x7e || c == '"' || c == '\\' ? '_' : c);
        }
        return b.append('_').append(width).append('x').append(height).append('.').append(format.suffix).toString();
    }
}
