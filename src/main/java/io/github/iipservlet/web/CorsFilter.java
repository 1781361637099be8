package io.github.iipservlet.web;

import io.github.iipservlet.protocol.HttpReplies;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * iipsrv's four CORS headers when {@code CORS} is set, on every response (docs/decisions.md Decision 10: tiles, XML,
 * errors and redirects too, unlike iipsrv 1.1), and preflight OPTIONS answered with 204.
 */
public final class CorsFilter implements Filter {
    private String origin = "";

    @Override
    public void init(FilterConfig filterConfig) {
        origin = FilterSettings.read(filterConfig, "CORS", s -> s.config().cors, "");
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!origin.isEmpty() && response instanceof HttpServletResponse http) {
            addHeaders(http, origin);
            if ("OPTIONS".equals(((HttpServletRequest) request).getMethod())) {
                HttpReplies.headerOnly(http, HttpServletResponse.SC_NO_CONTENT);
                return;
            }
        }
        chain.doFilter(request, response);
    }

    static void addHeaders(HttpServletResponse response, String origin) {
        response.setHeader("Access-Control-Allow-Origin", origin);
        response.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        response.setHeader("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type, X-Requested-With, If-Modified-Since");
        response.setHeader("Access-Control-Max-Age", "86400");
    }
}
