package io.github.iipservlet.web;

import io.github.iipservlet.metrics.Metrics;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.Services;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code GET /metrics}: every meter in Prometheus text format (docs/operations.md "Metrics"). Off,
 * answering 404 as if absent, unless METRICS is set; {@code METRICS=1} opens it to anybody, any
 * other value is the container role a caller must have, checked as FLUSH_ROLE is for /flush
 * (anyone else gets 403, logged with the caller's address).
 */
public final class MetricsServlet extends HttpServlet {
    private static final Logger LOG = LogManager.getLogger(MetricsServlet.class);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", HttpReplies.NO_CACHE);
        Services services = Services.of(getServletContext());
        Metrics metrics = (Metrics) getServletContext().getAttribute(Metrics.ATTRIBUTE);
        if (services == null || metrics == null) {
            HttpReplies.text(response, HttpServletResponse.SC_NOT_FOUND, "Not found");
            return;
        }
        String role = services.config().metricsRole();
        if (role != null && !request.isUserInRole(role)) {
            LOG.warn("refused a metrics scrape from {}", request.getRemoteAddr());
            HttpReplies.text(response, HttpServletResponse.SC_FORBIDDEN, "Forbidden");
            return;
        }
        HttpReplies.body(response, Metrics.CONTENT_TYPE, metrics.scrape());
    }
}
