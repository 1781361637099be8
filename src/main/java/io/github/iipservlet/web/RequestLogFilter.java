package io.github.iipservlet.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** At VERBOSITY 2 and more (debug), one line per request: method, URL, status and the time spent. */
public final class RequestLogFilter extends HttpFilter {
    private static final Logger LOG = LogManager.getLogger(RequestLogFilter.class);

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!LOG.isDebugEnabled()) {
            chain.doFilter(request, response);
            return;
        }
        long start = System.nanoTime();
        try {
            chain.doFilter(request, response);
        } finally {
            String query = request.getQueryString();
            LOG.debug("{} {}{} {} {} ms", request.getMethod(), request.getRequestURI(), query == null ? "" : "?" + query,
                    response.getStatus(), String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e6));
        }
    }
}
