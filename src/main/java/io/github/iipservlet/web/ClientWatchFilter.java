package io.github.iipservlet.web;

import io.github.iipservlet.parallel.Cancellation;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;

/**
 * Gives each protocol request a {@link Cancellation} check, so a long render stops between bands
 * once its client has closed the connection (iipsrv, behind a web server, is killed with its
 * FastCGI request; a servlet has to notice by itself).
 */
public final class ClientWatchFilter implements Filter {
    private final ClientConnections connections = new ClientConnections();

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        int local = request.getLocalPort();
        String remote = request.getRemoteAddr();
        int port = request.getRemotePort();
        try (Cancellation.Scope watched = Cancellation.watch(() -> connections.closedByClient(local, remote, port))) {
            chain.doFilter(request, response);
        }
    }
}
