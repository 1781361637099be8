package io.github.iipservlet.web;

import io.github.iipservlet.config.ServerConfig;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.Services;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code POST /flush}: what iipsrv does on SIGHUP, which a servlet cannot receive: forgets the
 * open images (so replaced files and metadata are read again) and empties this server's tile
 * store. A shared memcached is left alone (its entries name the file's modification time, so a
 * replaced file never meets an old entry). Off, answering 404, unless FLUSH_SECRET (sent as
 * {@code Authorization: Bearer <secret>} or {@code X-Flush-Secret}) or FLUSH_ROLE (a role of the
 * user the container authenticated) is configured; anything else is 403.
 */
public final class FlushServlet extends HttpServlet {
    private static final Logger LOG = LogManager.getLogger(FlushServlet.class);

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", HttpReplies.NO_CACHE);
        Services services = Services.of(getServletContext());
        ServerConfig config = services == null ? null : services.config();
        if (config == null || config.flushSecret.isEmpty() && config.flushRole.isEmpty()) {
            HttpReplies.text(response, HttpServletResponse.SC_NOT_FOUND, "Not found");
            return;
        }
        if (!allowed(request, config)) {
            LOG.warn("refused a cache flush from {}", request.getRemoteAddr());
            HttpReplies.text(response, HttpServletResponse.SC_FORBIDDEN, "Forbidden");
            return;
        }
        int images = services.images().size();
        services.images().flush();
        services.tiles().clear();
        LOG.info("caches flushed on request from {}: {} open images forgotten, tile store emptied",
                request.getRemoteAddr(), images);
        HttpReplies.body(response, "application/json",
                ("{\"flushed\":true,\"openImages\":" + images + "}\n").getBytes(StandardCharsets.UTF_8));
    }

    private static boolean allowed(HttpServletRequest request, ServerConfig config) {
        if (!config.flushRole.isEmpty() && request.isUserInRole(config.flushRole)) {
            return true;
        }
        if (config.flushSecret.isEmpty()) {
            return false;
        }
        String given = request.getHeader("X-Flush-Secret");
        String auth = request.getHeader("Authorization");
        if (given == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = auth.substring(7).trim();
        }
        // Compared in constant time: the time taken must not tell how much of a guess was right.
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                config.flushSecret.getBytes(StandardCharsets.UTF_8));
    }
}
