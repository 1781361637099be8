package io.github.iipservlet.protocol;

import io.github.iipservlet.config.AddressRanges;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a path-style protocol finds its argument: the value of its command when the front servlet
 * forwarded an iipsrv query ({@code ?DeepZoom=x.tif.dzi}), else the raw (still percent-encoded)
 * path after the servlet's mapping ({@code /deepzoom/x.tif.dzi}), so both forms decode the same way.
 * Also the public URL a client used, for the IIIF id and redirects.
 */
public final class ProtocolRequests {
    private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]{2,45}\\]|[A-Za-z0-9][A-Za-z0-9.-]{0,252})"
            + "(:\\d{1,5})?");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");
    /** Path characters of RFC 3986 only: no quote, space or angle bracket reaches an id. */
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:@%/-]{1,256}");

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
    public static String requestUrl(HttpServletRequest request, AddressRanges trustedProxies) {
        StringBuilder url = new StringBuilder(origin(request, trustedProxies)).append(request.getRequestURI());
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
     * container saw (the first value of each, as a chain of proxies appends), but only from a peer
     * in TRUSTED_PROXIES and only when well formed (docs/decisions.md Decision 11): anybody else's would go into
     * cached ids and redirects. The scheme is http or https; a malformed Host is not used.
     */
    public static String origin(HttpServletRequest request, AddressRanges trustedProxies) {
        boolean proxied = trustedProxies.contains(request.getRemoteAddr());
        String scheme = proxied ? first(request.getHeader("X-Forwarded-Proto")) : null;
        scheme = scheme == null ? null : scheme.toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            scheme = "https".equalsIgnoreCase(request.getScheme()) ? "https" : "http";
        }
        String forwardedHost = proxied ? validHost(first(request.getHeader("X-Forwarded-Host"))) : null;
        String host = forwardedHost != null ? forwardedHost : validHost(request.getHeader("Host"));
        if (host == null) {
            host = validHost(request.getServerName() + ":" + request.getServerPort());
            if (host == null) {
                host = "localhost:" + request.getLocalPort();
            }
        }
        String port = proxied ? first(request.getHeader("X-Forwarded-Port")) : null;
        if (port != null && !PORT.matcher(port).matches()) {
            port = null;
        }
        if (port != null && !hasPort(host) && !port.equals(defaultPort(scheme))) {
            host = host + ":" + port;
        } else if (port != null && hasPort(host) && forwardedHost == null) {
            // The container's Host names its own port, not the proxy's.
            host = host.substring(0, host.lastIndexOf(':')) + (port.equals(defaultPort(scheme)) ? "" : ":" + port);
        }
        String prefix = proxied ? first(request.getHeader("X-Forwarded-Prefix")) : null;
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
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

    /** {@link #origin} and the context path: where this webapp's own pages are, as the client sees it. */
    public static String webappUrl(HttpServletRequest request, AddressRanges trustedProxies) {
        return origin(request, trustedProxies) + request.getContextPath();
    }

    /** A host name or address literal with an optional port, or null for anything else. */
    private static String validHost(String host) {
        return host != null && HOST.matcher(host).matches() ? host : null;
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
