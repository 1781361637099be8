package io.github.iipservlet.web;

import io.github.iipservlet.protocol.HttpReplies;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * One method policy for every protocol, in query, path and URI_MAP form: GET and POST (iipsrv's
 * request string may come as a POST body), HEAD answered as GET without its body (the containers
 * leave the body out), OPTIONS 204, anything else 405 with Allow. iipsrv answers HEAD with 405 and
 * takes any method for a mapped request; path forms here used to take PUT and DELETE as GET.
 */
public final class MethodFilter implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse reply) {
            switch (http.getMethod()) {
                case "GET", "HEAD", "POST" -> chain.doFilter(request, response);
                case "OPTIONS" -> HttpReplies.headerOnly(reply, HttpServletResponse.SC_NO_CONTENT);
                default -> HttpReplies.headerOnly(reply, HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            }
            return;
        }
        chain.doFilter(request, response);
    }
}
