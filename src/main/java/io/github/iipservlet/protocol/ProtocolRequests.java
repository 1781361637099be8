package io.github.iipservlet.protocol;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;

/**
 * Where a path-style protocol finds its argument: the value of its command when the front servlet
 * forwarded an iipsrv query ({@code ?DeepZoom=x.tif.dzi}), else the raw (still percent-encoded)
 * path after the servlet's mapping ({@code /deepzoom/x.tif.dzi}), so both forms decode the same way.
 * Also the public URL a client used, for the IIIF id and redirects.
 */
public final class ProtocolRequests {
    /**
     * Request attribute set by the URI_MAP filter: the request string it built from the path. Its
     * presence tells a query-form request from a mapped one.
     */
    public static final String MAPPED_ATTRIBUTE = "io.github.iipservlet.mapped";

    private ProtocolRequests() {
    }

    /** The undecoded argument, or null when the request names none. */
    public static String argument(HttpServletRequest request, String command) {
        if (request.getAttribute(ParsedRequest.ATTRIBUTE) instanceof ParsedRequest parsed) {
            String upper = command.toUpperCase(Locale.ROOT);
            for (ParsedRequest.Command c : parsed.commands()) {
                if (c.upperName().equals(upper)) {
                    return c.value();
                }
            }
            return null;
        }
        String uri = request.getRequestURI();
        int start = request.getContextPath().length() + request.getServletPath().length();
        if (uri.length() <= start + 1) {
            return null;
        }
        return uri.substring(start + 1);
    }

    /**
     * The URL the client asked for, as it sent it (not decoded): scheme, host and an
     * {@code X-Forwarded-Prefix} from {@link #origin}, then the request URI, then the query when
     * the argument came from it (iipsrv's query form). A mapped or path-form request ends at its path.
     */
    public static String requestUrl(HttpServletRequest request) {
        StringBuilder url = new StringBuilder(origin(request)).append(request.getRequestURI());
        String query = request.getQueryString();
        boolean queryForm = request.getAttribute(ParsedRequest.ATTRIBUTE) != null
                && request.getAttribute(MAPPED_ATTRIBUTE) == null;
        if (queryForm && query != null && !query.isEmpty()) {
            url.append('?').append(query);
        }
        return url.toString();
    }

    /**
     * {@code scheme://host[:port][prefix]} as the client sees this server: a reverse proxy's
     * {@code X-Forwarded-Proto}, {@code -Host}, {@code -Port} and {@code -Prefix} win over what the
     * container saw (the first value of each, as a chain of proxies appends).
     */
    public static String origin(HttpServletRequest request) {
        String scheme = first(request.getHeader("X-Forwarded-Proto"));
        if (scheme == null) {
            scheme = request.getScheme();
        }
        scheme = scheme.toLowerCase(Locale.ROOT);
        String host = first(request.getHeader("X-Forwarded-Host"));
        if (host == null) {
            host = request.getHeader("Host");
        }
        if (host == null || host.isEmpty()) {
            host = request.getServerName() + ":" + request.getServerPort();
        }
        String port = first(request.getHeader("X-Forwarded-Port"));
        if (port != null && !hasPort(host) && !port.equals(defaultPort(scheme))) {
            host = host + ":" + port;
        } else if (port != null && hasPort(host) && request.getHeader("X-Forwarded-Host") == null) {
            // The container's Host names its own port, not the proxy's.
            host = host.substring(0, host.lastIndexOf(':')) + (port.equals(defaultPort(scheme)) ? "" : ":" + port);
        }
        String prefix = first(request.getHeader("X-Forwarded-Prefix"));
        if (prefix == null) {
            prefix = "";
        }
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (!prefix.isEmpty() && !prefix.startsWith("/")) {
            prefix = "/" + prefix;
        }
        return scheme + "://" + host + prefix;
    }

    private static boolean hasPort(String host) {
        int colon = host.lastIndexOf(':');
        return colon > host.lastIndexOf(']');
    }

    private static String defaultPort(String scheme) {
        return "https".equals(scheme) ? "443" : "80";
    }

    private static String first(String header) {
        if (header == null) {
            return null;
        }
        int comma = header.indexOf(',');
        String v = (comma < 0 ? header : header.substring(0, comma)).trim();
        return v.isEmpty() ? null : v;
    }
}
