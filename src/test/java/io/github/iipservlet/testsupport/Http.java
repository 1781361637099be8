package io.github.iipservlet.testsupport;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.imageio.ImageIO;

/** A small HTTP client for tests: no redirects followed, raw bytes kept. */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** One exchange: status, headers, body. */
    public record Reply(int status, java.net.http.HttpHeaders headers, byte[] body) {
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        public String contentType() {
            return header("Content-Type");
        }

        public BufferedImage image() throws IOException {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(body));
            if (img == null) {
                throw new IOException("not a decodable image: " + contentType() + " " + body.length + " bytes");
            }
            return img;
        }
    }

    private Http() {
    }

    public static Reply get(String url, String... headerPairs) throws IOException, InterruptedException {
        return send("GET", url, null, headerPairs);
    }

    public static Reply send(String method, String url, String body, String... headerPairs)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            b.header(headerPairs[i], headerPairs[i + 1]);
        }
        HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(r.statusCode(), r.headers(), r.body());
    }
}
