package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.render.TooLargeToRender;

/**
 * PTL, WTL and TTL (docs/protocols.md 3.3): set the output format to PNG, WebP or TIFF for the rest of the
 * request, then behave exactly like JTL. WTL is an unknown command ({@code 2 2}) where WebP cannot
 * be written, as in an iipsrv built without libwebp.
 */
final class FormatTile implements IipCommand {
    private final OutputFormat format;

    FormatTile(OutputFormat format) {
        this.format = format;
    }

    @Override
    public void run(IipSession session, String argument) throws ImageException, IipStop, TooLargeToRender {
        if (!format.available()) {
            session.error("2 2", switch (format) {
                case WEBP -> "WTL";
                case PNG -> "PTL";
                default -> "TTL";
            });
            return;
        }
        session.format = format;
        new Jtl().run(session, argument);
    }
}
