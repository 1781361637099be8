package io.github.iipservlet.web;

import io.github.iipservlet.protocol.ProtocolRequests;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.MalformedURLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * iipsrv's URI_MAP (docs/protocols.md 2.1): {@code prefix=>protocol} turns {@code /prefix/rest} into the request
 * string {@code protocol=rest} (query dropped) and forwards it to the front servlet, where the
 * method filter applies as to every request (docs/decisions.md Decision 14; iipsrv takes any
 * method for a mapped request). Unlike iipsrv, several mappings may be
 * given, separated by commas ({@code images=>IIIF,dz=>DeepZoom}). The prefix is matched against the
 * path after the webapp's context path. An empty prefix maps only requests that nothing else in
 * the webapp would answer (no servlet, no static file), so the viewer page stays reachable.
 */
public final class UriMapFilter implements Filter {
    private static final Logger LOG = LogManager.getLogger(UriMapFilter.class);

    /** One mapping: a path prefix (no slashes around it) and the command it stands for. */
    record Mapping(String prefix, String command) {
    }

    private List<Mapping> mappings = List.of();

    @Override
    public void init(FilterConfig filterConfig) {
        mappings = parse(FilterSettings.read(filterConfig, "URI_MAP", s -> s.config().uriMap, ""));
        for (Mapping m : mappings) {
            LOG.info("URI_MAP: /{}/... is {}", m.prefix(), m.command());
        }
    }

    /** The valid mappings of a URI_MAP value; malformed ones and unknown protocols are logged and skipped. */
    static List<Mapping> parse(String value) {
        List<Mapping> result = new ArrayList<>();
        for (String entry : value.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int arrow = e.indexOf("=>");
            if (arrow < 0) {
                LOG.warn("URI_MAP: malformed mapping '{}' ignored (expected prefix=>protocol)", e);
                continue;
            }
            String prefix = e.substring(0, arrow).trim();
            while (prefix.startsWith("/")) {
                prefix = prefix.substring(1);
            }
            while (prefix.endsWith("/")) {
                prefix = prefix.substring(0, prefix.length() - 1);
            }
            String command = switch (e.substring(arrow + 2).trim().toLowerCase(Locale.ROOT)) {
                case "iip" -> "fif";
                case "iiif" -> "iiif";
                case "zoomify" -> "zoomify";
                case "deepzoom" -> "deepzoom";
                default -> null;
            };
            if (command == null) {
                LOG.warn("URI_MAP: unsupported protocol in '{}' ignored (IIP, IIIF, Zoomify or DeepZoom)", e);
                continue;
            }
            result.add(new Mapping(prefix, command));
        }
        return List.copyOf(result);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!mappings.isEmpty() && request instanceof HttpServletRequest http) {
            String requestString = requestString(http);
            if (requestString != null) {
                http.setAttribute(ProtocolRequests.MAPPED_ATTRIBUTE, requestString);
                http.getServletContext().getNamedDispatcher("front").forward(request, response);
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /** {@code command=rest} for a mapped request, else null. */
    private String requestString(HttpServletRequest request) throws MalformedURLException {
        String uri = request.getRequestURI();
        String path = uri.substring(Math.min(uri.length(), request.getContextPath().length()));
        for (Mapping m : mappings) {
            if (m.prefix().isEmpty()) {
                if (path.length() > 1 && isUnanswered(request, path)) {
                    return m.command() + "=" + path.substring(1);
                }
            } else if (path.startsWith("/" + m.prefix() + "/") && path.length() > m.prefix().length() + 2) {
                return m.command() + "=" + path.substring(m.prefix().length() + 2);
            }
        }
        return null;
    }

    /** True when the request would reach the container's default servlet and names no static file. */
    private static boolean isUnanswered(HttpServletRequest request, String path) throws MalformedURLException {
        var mapping = request.getHttpServletMapping();
        boolean toDefault = mapping == null || mapping.getMappingMatch() == null
                || mapping.getMappingMatch() == jakarta.servlet.http.MappingMatch.DEFAULT;
        return toDefault && request.getServletContext().getResource(path) == null;
    }
}
