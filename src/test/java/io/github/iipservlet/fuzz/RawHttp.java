package io.github.iipservlet.fuzz;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client over a plain socket that sends the request target byte for byte (truncated
 * escapes, raw bytes above 0x7F, overlong UTF-8: what java.net.URI refuses to build), keeps the
 * connection alive between requests, and reads Content-Length, chunked and read-to-close bodies.
 * One instance per thread. Request targets and bodies are given as ISO-8859-1 strings: each char
 * is one byte.
 */
final class RawHttp implements Closeable {
    /** A request as sent: method, target (path and query), optional body. */
    record Request(String method, String target, String body) {
        byte[] targetBytes() {
            return target.getBytes(StandardCharsets.ISO_8859_1);
        }

        /** A printable form for reports: bytes outside printable ASCII as \xNN. */
        String show() {
            return method + " " + escape(target) + (body == null ? "" : "  [body: " + escape(body) + "]");
        }

        static String escape(String s) {
            StringBuilder b = new StringBuilder();
            int n = s.length();
            for (int i = 0; i < n; i++) {
                if (b.length() > 600) {
                    b.append("...(").append(n).append(" bytes in all)");
                    break;
                }
                char c = s.charAt(i);
                if (c >= 0x21 && c < 0x7f && c != '\\') {
                    b.append(c);
                } else if (c == '\\') {
                    b.append("\\\\");
                } else {
                    b.append(String.format("\\x%02X", (int) c & 0xff));
                }
            }
            return b.toString();
        }
    }

    /** A reply: status, headers (lower-case names, last value wins), body, time to the last byte. */
    record Reply(int status, Map<String, String> headers, byte[] body, long nanos) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String contentType() {
            String ct = header("content-type");
            return ct == null ? "" : ct;
        }

        String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        double millis() {
            return nanos / 1e6;
        }
    }

    private final String host;
    private final int port;
    private final int timeoutMillis;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RawHttp(String host, int port, int timeoutMillis) {
        this.host = host;
        this.port = port;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Sends one request and reads the reply. A kept-alive connection that the server had closed is
     * reopened once; any other failure (timeout, reset, malformed reply) is thrown and the
     * connection dropped.
     */
    Reply send(Request r) throws IOException {
        byte[] head = head(r);
        byte[] body = r.body() == null ? null : r.body().getBytes(StandardCharsets.ISO_8859_1);
        boolean fresh = socket == null;
        long t0 = System.nanoTime();
        try {
            connectIfNeeded();
            try {
                out.write(head);
                if (body != null) {
                    out.write(body);
                }
                out.flush();
            } catch (IOException writing) {
                // The server may have answered (414, 431, 400) and closed before reading it all.
                try {
                    return read(r.method(), t0);
                } catch (IOException noReply) {
                    throw writing;
                }
            }
            return read(r.method(), t0);
        } catch (IOException e) {
            closeQuietly();
            if (fresh || e instanceof SocketTimeoutException || !(e instanceof EOFException
                    || String.valueOf(e.getMessage()).contains("reset") || String.valueOf(e.getMessage()).contains("Broken pipe"))) {
                throw e;
            }
            // The server closed the idle connection before our request reached it: once more, afresh.
            t0 = System.nanoTime();
            connectIfNeeded();
            out.write(head);
            if (body != null) {
                out.write(body);
            }
            out.flush();
            try {
                return read(r.method(), t0);
            } catch (IOException again) {
                closeQuietly();
                throw again;
            }
        }
    }

    private byte[] head(Request r) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256 + r.target().length());
        b.writeBytes((r.method() + " ").getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes(r.targetBytes());
        StringBuilder h = new StringBuilder(" HTTP/1.1\r\nHost: ").append(host).append(':').append(port)
                .append("\r\nUser-Agent: iip-servlet-fuzz\r\n");
        if (r.body() != null) {
            h.append("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ")
                    .append(r.body().length()).append("\r\n");
        }
        h.append("\r\n");
        b.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        return b.toByteArray();
    }

    private void connectIfNeeded() throws IOException {
        if (socket != null) {
            return;
        }
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(timeoutMillis);
        s.connect(new InetSocketAddress(host, port), 10_000);
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 65536);
        out = s.getOutputStream();
    }

    private Reply read(String method, long t0) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new EOFException("connection closed before a reply");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP status line: " + RawHttp.Request.escape(statusLine));
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(); l != null && !l.isEmpty(); l = line()) {
            int colon = l.indexOf(':');
            if (colon > 0) {
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
        }
        // After a HEAD the connection is not reused: a server that rejects the request line before
        // it knows the method (Jetty's 414 for a long target) sends a body anyway, then closes.
        boolean close = "close".equalsIgnoreCase(headers.get("connection")) || parts[0].equals("HTTP/1.0")
                || "HEAD".equals(method);
        byte[] body;
        if ("HEAD".equals(method) || status / 100 == 1 || status == 204 || status == 304) {
            body = new byte[0];
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                String size = line();
                if (size == null) {
                    throw new EOFException("chunked body cut short");
                }
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
                if (n == 0) {
                    for (String t = line(); t != null && !t.isEmpty(); t = line()) {
                        // trailers
                    }
                    break;
                }
                b.writeBytes(readN(n));
                line();
            }
            body = b.toByteArray();
        } else if (headers.containsKey("content-length")) {
            body = readN(Integer.parseInt(headers.get("content-length")));
        } else {
            body = in.readAllBytes();
            close = true;
        }
        long nanos = System.nanoTime() - t0;
        if (close) {
            closeQuietly();
        }
        return new Reply(status, headers, body, nanos);
    }

    private byte[] readN(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("body cut short: " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    /** A CRLF (or LF) terminated line, or null at the end of the stream. */
    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(80);
        while (true) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
            }
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            if (b.size() > 65536) {
                throw new IOException("header line over 64 KB");
            }
            b.write(c);
        }
    }

    private void closeQuietly() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // gone
            }
        }
        socket = null;
        in = null;
        out = null;
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
