package io.github.iipservlet.protocol;

import io.github.iipservlet.access.AccessPolicy;
import io.github.iipservlet.access.AccessTokens;
import io.github.iipservlet.cache.TileStore;
import io.github.iipservlet.codec.NativeCodecs;
import io.github.iipservlet.config.ServerConfig;
import io.github.iipservlet.image.ImageStore;
import io.github.iipservlet.render.ViewRenderer;
import jakarta.servlet.ServletContext;

/**
 * The context-scoped services, built once by the context listener (web.IipContextListener) and shared read-only by the
 * filters and protocol servlets.
 *
 * @param jpeg2000Decoder the JPEG2000 decoder's name, for /health
 * @param codecs          the native codecs' handles and memory, for /health
 * @param startedMillis   when the context started
 * @param access          the access rules in force (docs/operations.md "Access control")
 * @param tokens          the IIIF access tokens issued
 */
public record Services(ServerConfig config, ImageStore images, TileStore tiles, ViewRenderer renderer,
        String jpeg2000Decoder, NativeCodecs codecs, long startedMillis, AccessPolicy access, AccessTokens tokens) {
    public static final String ATTRIBUTE = Services.class.getName();

    /** The context's services, or null when the listener is not configured. */
    public static Services of(ServletContext context) {
        return (Services) context.getAttribute(ATTRIBUTE);
    }
}
