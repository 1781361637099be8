package io.github.iipservlet.web;

import io.github.iipservlet.protocol.HttpReplies;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;

/**
 * {@code Cache-Control: CACHE_CONTROL} (default {@code max-age=86400}) on responses, switched to
 * {@code no-cache} when the response turns out to be an error, so no cache keeps an error.
 */
public final class CacheControlFilter implements Filter {
    private String value = "max-age=86400";

    @Override
    public void init(FilterConfig filterConfig) {
        value = FilterSettings.read(filterConfig, "CACHE_CONTROL", s -> s.config().cacheControl, value);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(response instanceof HttpServletResponse http)) {
            chain.doFilter(request, response);
            return;
        }
        http.setHeader("Cache-Control", value);
        chain.doFilter(request, new HttpServletResponseWrapper(http) {
            @Override
            public void setStatus(int sc) {
                super.setStatus(sc);
                if (sc >= 400) {
                    super.setHeader("Cache-Control", HttpReplies.NO_CACHE);
                }
            }

            @Override
            public void sendError(int sc) throws IOException {
                super.setHeader("Cache-Control", HttpReplies.NO_CACHE);
                super.sendError(sc);
            }

            @Override
            public void sendError(int sc, String msg) throws IOException {
                super.setHeader("Cache-Control", HttpReplies.NO_CACHE);
                super.sendError(sc, msg);
            }
        });
    }
}
