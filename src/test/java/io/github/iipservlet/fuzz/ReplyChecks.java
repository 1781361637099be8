package io.github.iipservlet.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What no reply may show (docs/decisions.md Decisions 3 and 13): a filesystem path, a Java class name or a stack trace
 * in an error body, and iipsrv's banner page standing in for an error.
 */
final class ReplyChecks {
    /** Absolute folders a reply could leak, unless the client sent them itself. */
    static final List<String> PATH_MARKERS = List.of("/tmp/", "/home/", "/root/", "/srv/", "/work/", "/var/",
            "/usr/", "/opt/", "/proc/", "file:/", "C:\\");
    /** Java class names and exception words. */
    static final List<String> CLASS_MARKERS = List.of("java.lang.", "java.io.", "java.nio.", "java.util.",
            "javax.", "jakarta.", "Exception", "Throwable", "io.github.", "org.eclipse.", "com.twelvemonkeys.",
            "com.sun.", "sun.nio.", "sun.misc.", "jnr.", "jj2000.", "org.apache.", "de.digitalcollections.", "net.spy.",
            "org.ehcache.", "com.github.", "kotlin.");
    /** Stack-trace lines. */
    static final List<String> STACK_MARKERS = List.of("\tat ", "at java.", "at io.github.", "Caused by:",
            ".java:");

    private ReplyChecks() {
    }

    /** Whether a reply is iipsrv's banner page (or any HTML page) answered 200. */
    static boolean isBanner(RawHttp.Reply r) {
        // IIP's banner (protocol.Advert), not the webapp's own index page, which a target such as
        // "/;iipsrv.fcgi" (a path parameter on the root) legitimately reaches.
        return r.status() == 200 && r.contentType().toLowerCase(Locale.ROOT).startsWith("text/html")
                && new String(r.body(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("<title>IIPImage Server</title>");
    }

    /** Whether a body must be checked for leaks: an error status or an HTML page. */
    static boolean isErrorBody(RawHttp.Reply r) {
        return r.status() >= 400 || r.contentType().toLowerCase(Locale.ROOT).startsWith("text/html");
    }

    /**
     * The leaks in {@code body}: each a short symptom ("path /tmp/", "class name java.lang.", "stack
     * trace"). {@code secrets} are exact strings never to be shown (the served folder);
     * {@code requestText} is what the client sent, raw: a marker the client sent itself (and the
     * server echoes in an error text) is no leak.
     */
    static List<String> leaks(byte[] body, String requestText, List<String> secrets) {
        List<String> found = new ArrayList<>();
        if (body.length == 0) {
            return found;
        }
        String text = new String(body, StandardCharsets.ISO_8859_1);
        String sent = requestText + "\n" + decode(requestText) + "\n" + decode(decode(requestText));
        for (String s : secrets) {
            if (!s.isEmpty() && text.contains(s) && !sent.contains(s)) {
                found.add("path " + s);
            }
        }
        for (String m : PATH_MARKERS) {
            if (text.contains(m) && !sent.contains(m)) {
                found.add("path " + m);
            }
        }
        for (String m : CLASS_MARKERS) {
            if (text.contains(m) && !sent.contains(m)) {
                found.add("class name " + m);
                break;
            }
        }
        for (String m : STACK_MARKERS) {
            if (text.contains(m) && !sent.contains(m)) {
                found.add("stack trace");
                break;
            }
        }
        return found;
    }

    /** Percent-decoding that never fails (a malformed escape is kept as it is). */
    static String decode(String s) {
        StringBuilder b = new StringBuilder(s.length());
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < n && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                bytes.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
                i += 2;
                continue;
            }
            if (bytes.size() > 0) {
                b.append(bytes.toString(StandardCharsets.ISO_8859_1));
                bytes.reset();
            }
            b.append(c == '+' ? ' ' : c);
        }
        if (bytes.size() > 0) {
            b.append(bytes.toString(StandardCharsets.ISO_8859_1));
        }
        return b.toString();
    }

    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    /** The start of a body as one printable line, for reports. */
    static String excerpt(byte[] body, int max) {
        String t = new String(body, 0, Math.min(body.length, max), StandardCharsets.ISO_8859_1);
        StringBuilder b = new StringBuilder();
        for (char c : t.toCharArray()) {
            b.append(c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c < 0x20 || c >= 0x7f ? "." : String.valueOf(c));
        }
        return b + (body.length > max ? "..." : "");
    }
}
