package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.UrlPaths;
import io.github.iipservlet.config.ServerConfig;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.protocol.ErrorReplies;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.ImageAccess;
import io.github.iipservlet.protocol.ProtocolRequests;
import io.github.iipservlet.protocol.Services;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The IIIF Authorization Flow 2.0 probe service ({@code /auth/probe/<identifier>}, docs/protocols.md
 * 8.6): what the image's own service would answer this caller, who is known by an access token
 * ({@code Authorization: Bearer}) or the session cookie. Always HTTP 200 (Auth 2.0 section 5.2); a
 * refusal names the smaller image service the caller may see instead, when there is one.
 */
public final class ProbeServlet extends HttpServlet {
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Services services = Services.of(getServletContext());
        ServerConfig config = services.config();
        String raw = ProtocolRequests.argument(request, "probe");
        int status;
        String substitute = null;
        try {
            if (raw == null || raw.isEmpty()) {
                throw new ImageException(ImageException.Kind.NOT_FOUND, "no image");
            }
            // The identifier as a IIIF service names it: decoded once, with its page and tier.
            IiifRequest iiif = IiifRequest.parse(raw + "/info.json", config.iiifDelimiter);
            Tier tier = Tier.of(iiif.identifier());
            ImageAccess.Decision decision = ImageAccess.decide(request, services, tier.identifier());
            try (OpenImage opened = services.images().open(tier.identifier())) {
                OpenImage view = opened.view(iiif.page(), 90);
                try {
                    OpenImage seen = tier.limit(view, decision);
                    // The service itself refuses nothing at its own largest size: a limited caller is refused that.
                    seen.checkScale(0, 1, 1);
                    status = 200;
                } catch (ImageException refused) {
                    if (refused.kind() != ImageException.Kind.LOGIN_REQUIRED
                            && refused.kind() != ImageException.Kind.FORBIDDEN) {
                        throw refused;
                    }
                    status = refused.kind() == ImageException.Kind.LOGIN_REQUIRED ? 401 : 403;
                    int limit = decision.limit().pixels();
                    if (tier.pixels() == 0 && !decision.limit().none()
                            && view.limitedTo(limit, true, decision.refusal()) != null) {
                        substitute = ProtocolRequests.webappUrl(request, config.trustedProxies) + "/iiif/"
                                + UrlPaths.encode(AuthServices.withPage(Tier.name(tier.identifier(),
                                        limit), iiif.page(), config));
                    }
                }
            }
        } catch (IiifError e) {
            status = e.status;
        } catch (ImageException e) {
            if (e.kind() == ImageException.Kind.UNAVAILABLE) {
                ErrorReplies.send(response, e, "IIIF probe '" + raw + "'");
                return;
            }
            status = 404;
        } catch (RuntimeException | Error e) {
            ErrorReplies.send(response, e, "IIIF probe '" + raw + "'");
            return;
        }
        // It answers for one caller at one moment.
        response.setHeader("Cache-Control", "no-store");
        HttpReplies.identify(response);
        HttpReplies.body(response, "application/json",
                AuthServices.probeResult(status, substitute, config.iiifVersion, config)
                        .getBytes(StandardCharsets.UTF_8));
    }
}
