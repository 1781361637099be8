package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.config.ServerConfig;
import io.github.iipservlet.encode.Encoders;
import io.github.iipservlet.encode.OutputFormat;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageInfo;
import io.github.iipservlet.image.Level;
import io.github.iipservlet.image.OpenImage;
import io.github.iipservlet.process.Processing;
import io.github.iipservlet.protocol.ErrorReplies;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.ImageAccess;
import io.github.iipservlet.protocol.OutputNames;
import io.github.iipservlet.protocol.PercentDecoding;
import io.github.iipservlet.protocol.ProtocolRequests;
import io.github.iipservlet.protocol.Services;
import io.github.iipservlet.render.TooLargeToRender;
import io.github.iipservlet.render.View;
import io.github.iipservlet.render.ViewGeometry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * IIIF Image API 2 and 3 (docs/protocols.md 8), by {@code ?IIIF=} through the front servlet or as a path under
 * {@code /iiif/}: the base URI redirects to info.json, info.json describes the image, and image
 * requests become a {@link View}: a stored tile when the request names exactly one (so a IIIF
 * tile is the same cache entry and pass-through as the JTL tile), else a region. The version is
 * IIIF_VERSION unless the Accept header asks for another one's context.
 */
public final class IiifServlet extends HttpServlet {
    private static final String CONTEXT_PREFIX = "http://iiif.io/api/image/";
    /** The request headers a IIIF reply depends on. */
    static final String VARY = "Accept, X-Forwarded-Proto, X-Forwarded-Host, X-Forwarded-Port, X-Forwarded-Prefix, "
            + "X-IIIF-ID";

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Services services = Services.of(getServletContext());
        ServerConfig config = services.config();
        String raw = ProtocolRequests.argument(request, "IIIF");
        if (raw == null || raw.isEmpty()) {
            HttpReplies.text(response, IiifError.BAD_REQUEST, "IIIF: no identifier given. " + IiifRequest.SYNTAX);
            return;
        }
        int version = negotiatedVersion(request.getHeader("Accept"), config.iiifVersion);
        // Accept picks the version; the others make the id (docs/decisions.md Decision 11).
        response.setHeader("Vary", VARY);
        try {
            IiifRequest iiif = parse(services, raw);
            if (iiif.kind() == IiifRequest.Kind.REDIRECT) {
                // Only an image's base URI is one: anything else is not found, not sent elsewhere.
                try (OpenImage image = services.images().open(Tier.of(iiif.identifier()).identifier())) {
                    image.view(iiif.page(), 90);
                }
                response.setStatus(HttpServletResponse.SC_SEE_OTHER);
                HttpReplies.identify(response);
                response.setHeader("Location", serviceUrl(request, config, raw) + "/info.json");
                response.setContentLength(0);
                return;
            }
            if (iiif.identifier().isEmpty() || iiif.identifier().equals("/")) {
                HttpReplies.notFound(response, "IIIF: no such image");
                return;
            }
            Tier tier = Tier.of(iiif.identifier());
            ImageAccess.Decision decision = ImageAccess.decide(request, services, tier.identifier());
            try (OpenImage opened = services.images().open(tier.identifier())) {
                // IIIF_DELIMITER's page picks a stack page or a sequence's horizontal view (docs/protocols.md 8.1.5).
                OpenImage view = opened.view(iiif.page(), 90);
                // Somebody who may see nothing still gets info.json, metadata and not pixels: it
                // carries the services that let them log in.
                boolean describeOnly = iiif.kind() == IiifRequest.Kind.INFO && tier.pixels() == 0
                        && decision.limit().none();
                OpenImage image = describeOnly ? view : tier.limit(view, decision);
                ImageAccess.privateReply(response, decision.restricted(), config.cacheControl);
                if (!decision.restricted() && HttpReplies.notModified(request, image)) {
                    HttpReplies.headerOnly(response, HttpServletResponse.SC_NOT_MODIFIED);
                    return;
                }
                if (version != config.iiifVersion) {
                    // The reply depends on a request header: shared caches must not serve it to others.
                    response.setHeader("Cache-Control", "private");
                }
                if (iiif.kind() == IiifRequest.Kind.INFO) {
                    // The services of the IIIF Authorization Flow on the restricted image's own service,
                    // whoever asks: they say how to log in, and out.
                    AuthServices auth = decision.restricted() && tier.pixels() == 0
                            ? new AuthServices(request, config,
                            AuthServices.withPage(iiif.identifier(), iiif.page(), config)) : null;
                    info(request, response, image, version, raw, config, auth);
                } else {
                    image(response, services, image, iiif.params(), version);
                }
            }
        } catch (IiifError e) {
            HttpReplies.text(response, e.status, e.getMessage());
        } catch (ImageException | TooLargeToRender | RuntimeException | Error e) {
            ErrorReplies.send(response, e, "IIIF request '" + raw + "'");
        }
    }

    /**
     * Splits the argument; when that fails and the whole argument names an image, it is that
     * image's base URI with plain slashes ({@code /iiif/folder/image.tif}): containers refuse the
     * {@code %2F} the IIIF specification asks for unless configured otherwise, so a sub-folder
     * identifier usually arrives with its slashes unescaped.
     */
    private static IiifRequest parse(Services services, String raw) throws IiifError {
        try {
            return IiifRequest.parse(raw, services.config().iiifDelimiter);
        } catch (IiifError e) {
            String decoded = PercentDecoding.decode(raw);
            if (!decoded.endsWith("/") && !decoded.startsWith("/")) {
                try (OpenImage image = services.images().open(Tier.of(decoded).identifier())) {
                    return new IiifRequest(IiifRequest.Kind.REDIRECT, decoded, 0, null);
                } catch (ImageException notAnImage) {
                    // Not an image either: the parameters were wrong.
                }
            }
            throw e;
        }
    }

    private static void info(HttpServletRequest request, HttpServletResponse response, OpenImage image, int version,
            String raw, ServerConfig config, AuthServices auth) throws IOException {
        ImageInfo info = image.info();
        // iipsrv's X-IIIF-ID: a proxy's word for the id, so believed from trusted proxies only.
        String id = config.trustedProxies.contains(request.getRemoteAddr()) ? request.getHeader("X-IIIF-ID") : null;
        if (id == null || id.isEmpty()) {
            String url = serviceUrl(request, config, raw);
            int cut = url.lastIndexOf("/info.json");
            id = cut >= 0 ? url.substring(0, cut) : url;
        }
        String context = CONTEXT_PREFIX + version + "/context.json";
        String contentType;
        String accept = request.getHeader("Accept");
        if (version >= 3 || (accept != null && accept.contains("application/ld+json"))) {
            contentType = "application/ld+json;profile=\"" + context + "\"";
        } else {
            // IIIF 2: JSON-LD only for clients that ask for it; the context travels in a Link header.
            contentType = "application/json";
            response.setHeader("Link", "<" + context
                    + ">;rel=\"http://www.w3.org/ns/json-ld#context\";type=\"application/ld+json\"");
        }
        byte[] body = InfoJson.body(info, version, id, config, image.maxSide(), auth).getBytes(StandardCharsets.UTF_8);
        HttpReplies.content(response, contentType, body, info.lastModified);
    }

    private static void image(HttpServletResponse response, Services services, OpenImage image, String[] params,
            int version) throws IiifError, ImageException, TooLargeToRender, IOException {
        ServerConfig config = services.config();
        ImageInfo info = image.info();
        Region region = Region.parse(params[0], info.width(), info.height());
        Size size = Size.parse(Tier.maxSize(params[1], region, info, image.maxSide()), version, region,
                config.allowUpscaling, config.maxCvt);
        Rotation rotation = Rotation.parse(params[2]);
        QualityFormat qf = QualityFormat.parse(params[3], config.iiifExtensions);
        Processing processing = qf.processing(rotation);
        // The size is exact (w, is w wide): the view does not fit it to the region's aspect again.
        ViewGeometry.Placement p = ViewGeometry.place(info, region.leftFraction(), region.topFraction(),
                region.widthFraction(), region.heightFraction(), size.width(), size.height(), false,
                size.upscale(), config.maxCvt);
        int quality = qf.format() == OutputFormat.JPEG ? services.renderer().defaultQuality()
                : Encoders.defaultQuality(qf.format(), config);
        if (Math.max(p.outWidth(), p.outHeight()) > qf.format().maxDimension) {
            throw IiifError.bad("IIIF: " + qf.format().suffix + " output is at most " + qf.format().maxDimension
                    + " pixels wide and high");
        }
        int tile = storedTile(info, p);
        View view = tile >= 0
                ? View.tile(image.cacheIdentity(), p.level(), tile, processing, qf.format(), quality)
                : View.region(image.cacheIdentity(), p.level(), p.x(), p.y(), p.width(), p.height(), p.outWidth(),
                        p.outHeight(), processing, qf.format(), quality);
        byte[] bytes = services.renderer().render(view, image);
        response.setHeader("Link", "<" + CONTEXT_PREFIX + version + "/" + InfoJson.complianceLevel()
                + ".json>;rel=\"profile\"");
        if (tile < 0) {
            response.setHeader("Content-Disposition", "inline; filename=\""
                    + OutputNames.fileName(image.identifier, p.outWidth(), p.outHeight(), qf.format()) + "\"");
        }
        HttpReplies.content(response, qf.format().mimeType, bytes, info.lastModified);
    }

    /**
     * The index of the stored tile a placement names exactly (docs/protocols.md 8.5.5), or -1: the region starts
     * on a tile corner and is one tile (or the short last column/row) at its natural size.
     */
    static int storedTile(ImageInfo info, ViewGeometry.Placement p) {
        Level level = info.levels.get(p.level());
        int tw = level.tileWidth();
        int th = level.tileHeight();
        if (p.x() % tw != 0 || p.y() % th != 0) {
            return -1;
        }
        int col = p.x() / tw;
        int row = p.y() / th;
        if (col >= level.tilesAcross() || row >= level.tilesDown()) {
            return -1;
        }
        int vtw = level.tileWidthAt(col);
        int vth = level.tileHeightAt(row);
        if (p.width() != vtw || p.height() != vth || p.outWidth() != vtw || p.outHeight() != vth) {
            return -1;
        }
        return row * level.tilesAcross() + col;
    }

    /**
     * The URL of the image service up to the end of the request's argument (not decoded): BASE_URL
     * and the argument when BASE_URL is set, else the URL the client used (proxy headers honoured).
     */
    private static String serviceUrl(HttpServletRequest request, ServerConfig config, String raw) {
        if (!config.baseUrl.isEmpty()) {
            return config.baseUrl + raw;
        }
        return ProtocolRequests.requestUrl(request, config.trustedProxies);
    }

    /**
     * The version a client asks for with a IIIF context in Accept (docs/protocols.md 8.3:
     * {@code http://iiif.io/api/image/<d>/context.json}), else the configured one.
     */
    static int negotiatedVersion(String accept, int configured) {
        if (accept == null) {
            return configured;
        }
        int at = accept.indexOf(CONTEXT_PREFIX);
        if (at < 0) {
            return configured;
        }
        String rest = accept.substring(at + CONTEXT_PREFIX.length());
        if (rest.length() >= 14 && rest.charAt(0) >= '1' && rest.charAt(0) <= '3'
                && rest.startsWith("/context.json", 1)) {
            return rest.charAt(0) - '0';
        }
        return configured;
    }
}
