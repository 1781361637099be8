package io.github.iipservlet.containers;

import io.github.iipservlet.testsupport.Http;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A GET written byte for byte on a plain socket: the request target goes on the wire exactly as
 * given, raw {@code [} and {@code ]} included, as IIP clients send CTW and CNV. java.net.http
 * refuses such a URI, and other clients would percent-encode it, which is not what a container
 * meets from IIP viewers. One request per connection ({@code Connection: close}), so no idle
 * connection holds the webapp's context afterwards.
 */
final class RawHttp {
    private RawHttp() {
    }

    /** {@code target} (path and query, unencoded) on the host and port of {@code webappUrl}. */
    static Http.Reply get(String webappUrl, String target) throws IOException {
        URI base = URI.create(webappUrl);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(60_000);
            String request = "GET " + target + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                    + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return parse(socket.getInputStream().readAllBytes(), target);
        }
    }

    private static Http.Reply parse(byte[] reply, String target) throws IOException {
        int headerEnd = indexOf(reply, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (headerEnd < 0) {
            throw new IOException("no complete reply to " + target + ": "
                    + new String(reply, StandardCharsets.ISO_8859_1));
        }
        List<String> lines = new String(reply, 0, headerEnd, StandardCharsets.ISO_8859_1).lines().toList();
        String[] statusLine = lines.get(0).split(" ", 3);
        int status = Integer.parseInt(statusLine[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        HttpHeaders httpHeaders = HttpHeaders.of(headers, (name, value) -> true);
        byte[] body = Arrays.copyOfRange(reply, headerEnd + 4, reply.length);
        if (httpHeaders.firstValue("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))
                .orElse(false)) {
            body = unchunk(body);
        }
        return new Http.Reply(status, httpHeaders, body);
    }

    private static byte[] unchunk(byte[] chunked) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(chunked);
        while (true) {
            StringBuilder size = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("chunked body cut short");
                }
                size.append((char) c);
            }
            int n = Integer.parseInt(size.toString().split(";")[0].trim(), 16);
            if (n == 0) {
                return out.toByteArray();
            }
            out.write(in.readNBytes(n));
            in.readNBytes(2);
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
