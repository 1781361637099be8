package io.github.iipservlet.protocol;

import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.parallel.Cancellation;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.render.TooLargeToRender;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The one way the protocols answer a failure their own parsing did not (docs/decisions.md Decision 13), so that a
 * given failure gets the same status everywhere: a missing, damaged or unsupported image is 404;
 * a render too large for this server is 400; one the access rules refuse is 401, or 403 for a
 * caller who is logged in; a heap that ran out anyway, or an image store that
 * does not answer, is 503 with Retry-After;
 * a render stopped because its client has gone gets no reply;
 * anything else, an Error of a library included, is a bug, logged with its stack trace and
 * answered 500 with a fixed text (never a banner page or a 400 that would hide it from the fuzzer,
 * never the container's error page with a stack trace and class names).
 */
public final class ErrorReplies {
    private static final Logger LOG = LogManager.getLogger(ErrorReplies.class);

    private ErrorReplies() {
    }

    /**
     * @param failure what went wrong
     * @param request the protocol and request, for the log
     */
    public static void send(HttpServletResponse response, Throwable failure, String request) throws IOException {
        if (failure instanceof Cancellation.Cancelled) {
            // Nobody is there to read a reply.
            LOG.debug("stopped {}: the client has gone", request);
        } else if (failure instanceof ImageException e && e.kind() == ImageException.Kind.UNAVAILABLE) {
            // The store of the image did not answer: a passing failure (docs/operations.md "Object storage").
            // Logged once per outage by the source; here only at debug, or an outage floods the log.
            LOG.debug("{}: {}", request, e.getMessage());
            HttpReplies.storeUnavailable(response, e.getMessage());
        } else if (failure instanceof ImageException e && e.kind() == ImageException.Kind.LOGIN_REQUIRED) {
            // HTTP wants a challenge with a 401; a Bearer one, so no browser opens its login dialog.
            response.setHeader("WWW-Authenticate", "Bearer realm=\"iip-servlet\"");
            HttpReplies.text(response, HttpServletResponse.SC_UNAUTHORIZED, e.getMessage());
        } else if (failure instanceof ImageException e && e.kind() == ImageException.Kind.FORBIDDEN) {
            HttpReplies.text(response, HttpServletResponse.SC_FORBIDDEN, e.getMessage());
        } else if (failure instanceof ImageException e) {
            HttpReplies.notFound(response, e.replyText());
        } else if (failure instanceof TooLargeToRender e) {
            LOG.info("refused {}: {}", request, e.getMessage());
            HttpReplies.text(response, HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
        } else if (failure instanceof OutOfMemoryError e) {
            // The render budget should prevent this; if the heap is still too small, say "busy", not 500.
            LOG.error("out of memory for {} ({}): give the JVM more heap (-Xmx)", request, e.getMessage());
            HttpReplies.notEnoughMemory(response);
        } else {
            LOG.error("{} failed", request, failure);
            HttpReplies.text(response, HttpServletResponse.SC_INTERNAL_SERVER_ERROR,
                    "Internal server error: the request could not be processed");
        }
    }
}
