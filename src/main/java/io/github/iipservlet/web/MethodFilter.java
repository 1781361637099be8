package io.github.iipservlet.web;

import io.github.iipservlet.protocol.HttpReplies;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;

/**
 * One method policy for every protocol, in query, path and URI_MAP form: GET and POST (iipsrv's
 * request string may come as a POST body), HEAD answered as GET without its body (the containers
 * leave the body out), OPTIONS 204, anything else 405 with Allow. iipsrv answers HEAD with 405 and
 * takes any method for a mapped request; path forms here used to take PUT and DELETE as GET.
 *
 * <p>A request body nobody read (a POST whose request string is its query, a path-form POST, a
 * refused PUT, the rest of a POST body too long to be a request string) is read and dropped
 * after the reply is made, up to a megabyte, so the container
 * can keep or close the connection cleanly: a body still arriving at a closed socket resets the
 * connection, and the reset can destroy the reply before the client reads it (seen 5 times in
 * 200,000 fuzzed requests under load).
 */
public final class MethodFilter implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse reply) {
            try {
                switch (http.getMethod()) {
                    case "GET", "HEAD", "POST" -> chain.doFilter(request, response);
                    case "OPTIONS" -> HttpReplies.headerOnly(reply, HttpServletResponse.SC_NO_CONTENT);
                    default -> HttpReplies.headerOnly(reply, HttpServletResponse.SC_METHOD_NOT_ALLOWED);
                }
            } finally {
                if (http.getDispatcherType() == DispatcherType.REQUEST) {
                    dropUnreadBody(http);
                }
            }
            return;
        }
        chain.doFilter(request, response);
    }

    /** At most this much of an unread body is read and dropped; the container closes on the rest. */
    private static final long DROP_AT_MOST = 1 << 20;

    private static void dropUnreadBody(HttpServletRequest request) {
        long announced = request.getContentLengthLong();
        if (announced == 0 || announced < 0 && request.getHeader("Transfer-Encoding") == null) {
            return;
        }
        try {
            InputStream in = request.getInputStream();
            byte[] sink = new byte[8192];
            long dropped = 0;
            int n;
            while (dropped < DROP_AT_MOST && (n = in.read(sink)) > 0) {
                dropped += n;
            }
        } catch (IOException | IllegalStateException e) {
            // The client went, or the body was read through getReader(): nothing to drop here.
        }
    }
}
