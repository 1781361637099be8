package io.github.iipservlet.protocol.iip;

import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.render.TooLargeToRender;

/**
 * PTL, WTL, ATL and TTL (docs/protocols.md 3.3): set the output format to PNG, WebP, AVIF or TIFF for
 * the rest of the request, then behave exactly like JTL. WTL and ATL are unknown commands
 * ({@code 2 2}) where WebP or AVIF cannot be written, as in an iipsrv built without libwebp or
 * libavif.
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
                case AVIF -> "ATL";
                default -> "TTL";
            });
            return;
        }
        session.format = format;
        new Jtl().run(session, argument);
    }
}
