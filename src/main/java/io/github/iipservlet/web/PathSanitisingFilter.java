package io.github.iipservlet.web;

import io.github.iipservlet.image.ImagePaths;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.PercentDecoding;
import io.github.iipservlet.protocol.ProtocolRequests;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses, before any protocol runs, requests whose image identifier tries to leave
 * FILESYSTEM_PREFIX: a {@code ..} segment, a NUL or a backslash, after iipsrv's percent-decoding,
 * in the query's FIF/DeepZoom/Zoomify values or in the path of a path-mapped protocol
 * (docs/decisions.md Decision 4). Answers 404 with a body that names no path. The image store enforces the same
 * rules and the prefix again on the resolved real path (symlinks), so this filter is the early,
 * cheap half. IIIF is left to the store: its parameters may hold any text (a backslash in a
 * region), which must be answered 400 by the IIIF servlet, not 404 here.
 */
public final class PathSanitisingFilter implements Filter {
    private static final Set<String> IDENTIFIER_KEYS = Set.of("FIF", "DEEPZOOM", "ZOOMIFY");

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && !isSafe(http)) {
            var mapping = http.getHttpServletMapping();
            boolean listing = mapping != null && "list".equals(mapping.getServletName());
            HttpReplies.notFound((HttpServletResponse) response, listing ? "Folder not found" : "Image not found");
            return;
        }
        chain.doFilter(request, response);
    }

    static boolean isSafe(HttpServletRequest request) {
        String pathInfo = request.getPathInfo();
        if (pathInfo != null && !ImagePaths.isSafeIdentifier(pathInfo)) {
            return false;
        }
        String uri = request.getRequestURI();
        boolean mappedIiif = request.getAttribute(ProtocolRequests.MAPPED_ATTRIBUTE) instanceof String m
                && m.startsWith("iiif=");
        if (uri != null && !mappedIiif && !ImagePaths.isSafeIdentifier(PercentDecoding.decode(uri))) {
            return false;
        }
        String query = request.getQueryString();
        if (query == null || query.isEmpty()) {
            return true;
        }
        int start = 0;
        while (start <= query.length()) {
            int amp = query.indexOf('&', start);
            int end = amp < 0 ? query.length() : amp;
            int eq = query.indexOf('=', start);
            if (eq > start && eq < end) {
                String key = query.substring(start, eq).toUpperCase(Locale.ROOT);
                if (IDENTIFIER_KEYS.contains(key)
                        && !ImagePaths.isSafeIdentifier(PercentDecoding.decode(query.substring(eq + 1, end)))) {
                    return false;
                }
            }
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        return true;
    }
}
