package io.github.iipservlet.web;

import io.github.iipservlet.metrics.Metrics;
import io.github.iipservlet.protocol.ParsedRequest;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Counts every request by protocol and status, and the body bytes it was sent, while METRICS is
 * set (docs/operations.md "Metrics"); otherwise it only passes the request on. Mapped first after
 * the request log, on the request as the client sent it, so a URI_MAP forward is counted once,
 * with the protocol it was forwarded to. Allocates nothing per request beyond what the container
 * makes for the Content-Length header it reads.
 */
public final class MetricsFilter extends HttpFilter {
    private transient Metrics metrics;

    @Override
    public void init() {
        metrics = (Metrics) getServletContext().getAttribute(Metrics.ATTRIBUTE);
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Metrics m = metrics;
        if (m == null) {
            chain.doFilter(request, response);
            return;
        }
        boolean thrown = true;
        try {
            chain.doFilter(request, response);
            thrown = false;
        } finally {
            // What escapes the chain becomes the container's 500 unless the reply had started.
            int status = thrown && !response.isCommitted() ? HttpServletResponse.SC_INTERNAL_SERVER_ERROR
                    : response.getStatus();
            m.request(protocol(request), status, thrown || "HEAD".equals(request.getMethod()) ? 0 : bodyBytes(response));
        }
    }

    /**
     * The protocol that answered: the one the front servlet dispatched the request string to (a
     * query form or URI_MAP), else the servlet the path is mapped to.
     */
    static Metrics.Protocol protocol(HttpServletRequest request) {
        if (request.getAttribute(ParsedRequest.ATTRIBUTE) instanceof ParsedRequest parsed) {
            return byServlet(FrontServlet.protocolServlet(parsed));
        }
        HttpServletMapping mapping = request.getHttpServletMapping();
        return byServlet(mapping == null ? null : mapping.getServletName());
    }

    /** By the servlet-names of web.xml: the front servlet without a request string shows IIP's page. */
    private static Metrics.Protocol byServlet(String servletName) {
        if (servletName == null) {
            return Metrics.Protocol.OTHER;
        }
        return switch (servletName) {
            case "front", FrontServlet.IIP_SERVLET -> Metrics.Protocol.IIP;
            case "iiif" -> Metrics.Protocol.IIIF;
            case "deepzoom" -> Metrics.Protocol.DEEPZOOM;
            case "zoomify" -> Metrics.Protocol.ZOOMIFY;
            default -> Metrics.Protocol.OTHER;
        };
    }

    /** The reply's Content-Length, which every reply of the webapp sets (protocol.HttpReplies); 0 when absent. */
    private static long bodyBytes(HttpServletResponse response) {
        String length = response.getHeader("Content-Length");
        if (length == null) {
            return 0;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
