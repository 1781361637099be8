package io.github.iipservlet.protocol;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;

/**
 * Where a path-style protocol finds its argument: the value of its command when the front servlet
 * forwarded an iipsrv query ({@code ?DeepZoom=x.tif.dzi}), else the raw (still percent-encoded)
 * path after the servlet's mapping ({@code /deepzoom/x.tif.dzi}), so both forms decode the same way.
 */
public final class ProtocolRequests {
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
}
