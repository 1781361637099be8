package io.github.iipservlet.protocol;

import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.protocol.Advert;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.Services;
import io.github.iipservlet.render.TooLargeToRender;
import io.github.iipservlet.render.View;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The request flow DeepZoom and Zoomify share: an image path followed by either a descriptor
 * (XML) or one JPEG tile; If-Modified-Since answered with 304; a missing image, a malformed request
 * or a tile that does not exist answered with 404 (docs/decisions.md Decision 2). Subclasses only say how their URLs
 * split and what their descriptor and tiles are.
 */
public abstract class TileProtocolServlet extends HttpServlet {

    /** What a request asks for: the image (still percent-encoded) and a tile, or null for the descriptor. */
    public record Target(String identifier, String tile) {
    }

    /** The command name of the query form ({@code ?DeepZoom=...}), also used in error texts. */
    protected abstract String command();

    /** Splits the argument, or returns null when it is not one of this protocol's URLs. */
    protected abstract Target parse(String argument);

    /** The descriptor XML of an image. */
    protected abstract String descriptor(ImageInfo info);

    /** The view of a tile, or null when that tile does not exist. */
    protected abstract View tileView(OpenImage image, String tile, int quality);

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String argument = ProtocolRequests.argument(request, command());
        if (argument == null) {
            Advert.send(response);
            return;
        }
        Target target = parse(argument);
        if (target == null) {
            HttpReplies.notFound(response, "Not a " + command() + " request");
            return;
        }
        Services services = Services.of(getServletContext());
        String identifier = PercentDecoding.decode(target.identifier());
        try (OpenImage whole = services.images().open(identifier)) {
            ImageAccess.Decision decision = ImageAccess.decide(request, services, identifier);
            // A limited caller gets the image without its larger levels: descriptor and levels describe that.
            OpenImage image = ImageAccess.apply(whole, decision, true);
            ImageAccess.privateReply(response, decision.restricted(), services.config().cacheControl);
            ImageInfo info = image.info();
            if (!decision.restricted() && HttpReplies.notModified(request, image)) {
                HttpReplies.headerOnly(response, HttpServletResponse.SC_NOT_MODIFIED);
                return;
            }
            if (target.tile() == null) {
                HttpReplies.content(response, "application/xml",
                        descriptor(info).getBytes(StandardCharsets.UTF_8), info.lastModified);
                return;
            }
            View view = tileView(image, target.tile(), services.renderer().defaultQuality());
            if (view == null) {
                if (image != whole && tileView(whole, target.tile(), services.renderer().defaultQuality()) != null) {
                    // A tile of a level larger than the caller may see (levels are numbered from the smallest).
                    throw image.refused("this level");
                }
                HttpReplies.notFound(response, "No such " + command() + " tile");
                return;
            }
            HttpReplies.content(response, OutputFormat.JPEG.mimeType, services.renderer().render(view, image),
                    info.lastModified);
        } catch (ImageException | TooLargeToRender | RuntimeException | Error e) {
            ErrorReplies.send(response, e, command() + " request '" + argument + "'");
        }
    }
}
