package io.github.iipservlet.image.remote;

import io.github.iipservlet.UrlPaths;
import io.github.iipservlet.image.ImageSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A web server holding the images under a URL prefix ({@code https://host/path/}), read with
 * ranged GETs through the JDK's HTTP client. The name is percent-encoded and appended to the
 * prefix as text, never resolved as a URL, so no identifier reaches another host or path
 * (docs/operations.md "Object storage"). It cannot be listed.
 */
final class HttpStore implements Store {
    private final String prefix;
    private final HttpClient client;
    private final Duration timeout;
    /** The configured header ("Name: value", REMOTE_HTTP_HEADER), or null. */
    private final String headerName;
    private final String headerValue;

    HttpStore(String prefix, Duration timeout, String header, Executor executor) {
        this.prefix = prefix;
        this.timeout = timeout;
        int colon = header == null ? -1 : header.indexOf(':');
        this.headerName = colon > 0 ? header.substring(0, colon).trim() : null;
        this.headerValue = colon > 0 ? header.substring(colon + 1).trim() : null;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).executor(executor)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String describe() {
        return prefix;
    }

    /** The object's URL: the prefix and the name, every byte but unreserved ones and '/' escaped. */
    URI uri(String name) {
        return URI.create(prefix + UrlPaths.encode(name));
    }

    private HttpRequest.Builder request(String name) {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri(name)).timeout(timeout);
        if (headerName != null) {
            r.header(headerName, headerValue);
        }
        return r;
    }

    @Override
    public Reply get(String name, long first, long last, String ifMatch) throws IOException {
        HttpRequest.Builder r = request(name).header("Range", "bytes=" + first + "-" + last);
        if (ifMatch != null && !ifMatch.startsWith("W/")) {
            r.header("If-Match", ifMatch);
        }
        HttpResponse<InputStream> response = send(r.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            int status = response.statusCode();
            HttpHeaders h = response.headers();
            if (status == 206) {
                return reply(206, totalFromRange(h), h, in.readNBytes((int) (last - first + 1)));
            }
            if (status == 200) {
                // A server that ignores Range sends it all: skip to the range, keep only it.
                long size = h.firstValueAsLong("Content-Length").orElse(-1);
                in.skipNBytes(first);
                return reply(206, size, h, in.readNBytes((int) (last - first + 1)));
            }
            if (status == 416) {
                return reply(416, totalFromRange(h), h, new byte[0]);
            }
            return reply(status, -1, h, null);
        }
    }

    @Override
    public Reply head(String name, String ifNoneMatch) throws IOException {
        HttpRequest.Builder r = request(name).method("HEAD", HttpRequest.BodyPublishers.noBody());
        if (ifNoneMatch != null) {
            r.header("If-None-Match", ifNoneMatch);
        }
        HttpResponse<Void> response = send(r.build(), HttpResponse.BodyHandlers.discarding());
        HttpHeaders h = response.headers();
        return reply(response.statusCode(), h.firstValueAsLong("Content-Length").orElse(-1), h, null);
    }

    @Override
    public Reply download(String name, String ifMatch, Path to) throws IOException {
        HttpRequest.Builder r = request(name);
        if (ifMatch != null && !ifMatch.startsWith("W/")) {
            r.header("If-Match", ifMatch);
        }
        HttpResponse<InputStream> response = send(r.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            HttpHeaders h = response.headers();
            if (response.statusCode() != 200) {
                return reply(response.statusCode(), -1, h, null);
            }
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
            return reply(200, Files.size(to), h, null);
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return client.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static Reply reply(int status, long size, HttpHeaders h, byte[] body) {
        long modified = 0;
        String lm = h.firstValue("Last-Modified").orElse(null);
        if (lm != null) {
            try {
                modified = ZonedDateTime.parse(lm, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            } catch (RuntimeException e) {
                // no usable date: 0
            }
        }
        return new Reply(status, size, h.firstValue("ETag").orElse(null), modified, body);
    }

    /** The total of {@code Content-Range: bytes a-b/total} (or {@code bytes * /total}), -1 when absent. */
    private static long totalFromRange(HttpHeaders h) {
        String range = h.firstValue("Content-Range").orElse("");
        int slash = range.lastIndexOf('/');
        try {
            return slash < 0 ? -1 : Long.parseLong(range.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public boolean canList() {
        return false;
    }

    @Override
    public List<ImageSource.Listed> list(String folder) {
        return List.of();
    }

    @Override
    public void close() {
        // The JDK 17 client has no close: its selector thread ends once the client is unreachable.
    }
}
