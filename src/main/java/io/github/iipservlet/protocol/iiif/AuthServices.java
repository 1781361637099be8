package io.github.iipservlet.protocol.iiif;

import io.github.iipservlet.UrlPaths;
import io.github.iipservlet.config.ServerConfig;
import io.github.iipservlet.protocol.JsonStrings;
import io.github.iipservlet.protocol.ProtocolRequests;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The IIIF Authorization Flow 2.0 services of a restricted image (docs/protocols.md 8.6), as its
 * info.json declares them: a probe service for the image, the access service (the container's own
 * login, "active" profile), the token and logout services, with the texts of ACCESS_LABEL and its
 * companions. Also the probe's replies.
 */
final class AuthServices {
    static final String CONTEXT = "http://iiif.io/api/auth/2/context.json";

    private final String webapp;
    private final String identifier;
    private final ServerConfig config;

    /**
     * @param identifier the image's IIIF identifier (decoded, with any page), as the probe takes it back
     */
    AuthServices(HttpServletRequest request, ServerConfig config, String identifier) {
        this.webapp = ProtocolRequests.webappUrl(request, config.trustedProxies);
        this.identifier = identifier;
        this.config = config;
    }

    /** The identifier of a IIIF request with its page put back, as the probe URL carries it. */
    static String withPage(String identifier, int page, ServerConfig config) {
        return page == 0 || config.iiifDelimiter.isEmpty() ? identifier : identifier + config.iiifDelimiter + page;
    }

    String probeUrl() {
        return webapp + "/auth/probe/" + UrlPaths.encode(identifier);
    }

    /** The probe service with the services under it, one element of info.json's "service" list. */
    void appendTo(StringBuilder b, int version, String indent) {
        String i1 = indent + "  ";
        String i2 = i1 + "  ";
        String i3 = i2 + "  ";
        String i4 = i3 + "  ";
        b.append(indent).append("{\n");
        if (version < 3) {
            // Version 2's info.json has no context list to hold the one of the services.
            b.append(i1).append("\"@context\": \"").append(CONTEXT).append("\",\n");
        }
        b.append(i1).append("\"id\": \"").append(JsonStrings.escape(probeUrl())).append("\",\n");
        b.append(i1).append("\"type\": \"AuthProbeService2\",\n");
        b.append(i1).append("\"errorHeading\": ").append(text(config.accessDeniedHeading)).append(",\n");
        b.append(i1).append("\"errorNote\": ").append(text(config.accessDeniedNote)).append(",\n");
        b.append(i1).append("\"service\": [\n");
        b.append(i2).append("{\n");
        b.append(i3).append("\"id\": \"").append(JsonStrings.escape(webapp + "/auth/login")).append("\",\n");
        b.append(i3).append("\"type\": \"AuthAccessService2\",\n");
        b.append(i3).append("\"profile\": \"active\",\n");
        b.append(i3).append("\"label\": ").append(text(config.accessLabel)).append(",\n");
        b.append(i3).append("\"heading\": ").append(text(config.accessHeading)).append(",\n");
        b.append(i3).append("\"note\": ").append(text(config.accessNote)).append(",\n");
        b.append(i3).append("\"confirmLabel\": ").append(text(config.accessConfirmLabel)).append(",\n");
        b.append(i3).append("\"service\": [\n");
        b.append(i4).append("{ \"id\": \"").append(JsonStrings.escape(webapp + "/auth/token"))
                .append("\", \"type\": \"AuthAccessTokenService2\" },\n");
        b.append(i4).append("{ \"id\": \"").append(JsonStrings.escape(webapp + "/auth/logout"))
                .append("\", \"type\": \"AuthLogoutService2\", \"label\": ").append(text(config.accessLogoutLabel))
                .append(" }\n");
        b.append(i3).append("]\n");
        b.append(i2).append("}\n");
        b.append(i1).append("]\n");
        b.append(indent).append("}");
    }

    /**
     * A probe's reply (always sent with HTTP 200): the status the image itself would get and, when
     * refused, the heading and note, and the smaller service the caller may see instead.
     *
     * @param substitute the id of the smaller image service, or null
     * @param version    IIIF version of the substitute's type
     */
    static String probeResult(int status, String substitute, int version, ServerConfig config) {
        StringBuilder b = new StringBuilder(512);
        b.append("{\n  \"@context\": \"").append(CONTEXT).append("\",\n");
        b.append("  \"type\": \"AuthProbeResult2\",\n");
        b.append("  \"status\": ").append(status);
        if (status != 200) {
            if (substitute != null) {
                b.append(",\n  \"substitute\": [ { \"id\": \"").append(JsonStrings.escape(substitute))
                        .append("\", \"type\": \"").append(version >= 3 ? "ImageService3" : "ImageService2")
                        .append("\" } ]");
            }
            b.append(",\n  \"heading\": ").append(text(config.accessDeniedHeading));
            b.append(",\n  \"note\": ").append(text(config.accessDeniedNote));
        }
        b.append("\n}");
        return b.toString();
    }

    /** A text as a IIIF language map in no particular language. */
    private static String text(String value) {
        return "{ \"none\": [ \"" + JsonStrings.escape(value) + "\" ] }";
    }
}
