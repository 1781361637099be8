package io.github.iipservlet.protocol;

import io.github.iipservlet.Version;
import io.github.iipservlet.image.OpenImage;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** The replies every protocol shares: header-only replies, plain-text errors, HTTP dates. */
public final class HttpReplies {
    /** iipsrv always prints two-digit days (docs/protocols.md 16). */
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    /** Cache-Control of every reply no cache may keep: errors, /health, listings. */
    public static final String NO_CACHE = "no-cache";

    private HttpReplies() {
    }

    public static void identify(HttpServletResponse response) {
        response.setHeader("Server", Version.SERVER);
        response.setHeader("X-Powered-By", "IIPImage");
    }

    /**
     * 204, 304 or 405 with no body (docs/protocols.md 2.5.5); Allow names the methods of the method
     * filter (web.MethodFilter).
     */
    public static void headerOnly(HttpServletResponse response, int status) {
        response.setStatus(status);
        identify(response);
        response.setHeader("Allow", "GET, HEAD, POST, OPTIONS");
        response.setContentLength(0);
    }

    public static void notFound(HttpServletResponse response, String message) throws IOException {
        text(response, HttpServletResponse.SC_NOT_FOUND, message);
    }

    /**
     * 503 with Retry-After for a render the heap cannot hold: the server is busy, not broken (the
     * caller logs which request it was).
     */
    public static void notEnoughMemory(HttpServletResponse response) throws IOException {
        response.setHeader("Retry-After", "5");
        text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Server busy: not enough memory, retry later");
    }

    /** The image's store did not answer; {@code message} names no bucket, host or path. */
    public static void storeUnavailable(HttpServletResponse response, String message) throws IOException {
        response.setHeader("Retry-After", "5");
        text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, message);
    }

    /** A plain-text error: never a path, a stack trace or a class name in {@code message}. */
    public static void text(HttpServletResponse response, int status, String message) throws IOException {
        response.resetBuffer();
        response.setStatus(status);
        response.setHeader("Server", Version.SERVER);
        response.setHeader("Cache-Control", "no-cache");
        response.setContentType("text/plain; charset=utf-8");
        byte[] body = message.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    public static void body(HttpServletResponse response, String contentType, byte[] body) throws IOException {
        response.setContentType(contentType);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /**
     * A complete image, XML or JSON reply of a protocol: identity headers, Last-Modified of the
     * image, Content-Type and Content-Length (docs/protocols.md 2.5.3).
     */
    public static void content(HttpServletResponse response, String contentType, byte[] body, long lastModified)
            throws IOException {
        identify(response);
        response.setHeader("Last-Modified", httpDate(lastModified));
        body(response, contentType, body);
    }

    public static String httpDate(long millis) {
        return HTTP_DATE.format(Instant.ofEpochMilli(millis));
    }

    /**
     * True when a request may be answered 304 for an image: its If-Modified-Since names exactly the
     * file's modification second, and the file was not found changed by this very request (iipsrv).
     */
    public static boolean notModified(jakarta.servlet.http.HttpServletRequest request, OpenImage image) {
        return !image.reloaded && notModified(request.getHeader("If-Modified-Since"), image.info().lastModified);
    }

    /** True when If-Modified-Since names exactly the file's modification second (iipsrv's rule). */
    public static boolean notModified(String ifModifiedSince, long lastModifiedMillis) {
        if (ifModifiedSince == null || ifModifiedSince.isEmpty()) {
            return false;
        }
        try {
            long since = ZonedDateTime.parse(ifModifiedSince.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toEpochSecond();
            return since == Math.floorDiv(lastModifiedMillis, 1000);
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
