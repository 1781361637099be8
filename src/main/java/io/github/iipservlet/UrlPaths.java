package io.github.iipservlet;

import java.nio.charset.StandardCharsets;

/** Names as URL paths, for the URLs we build (a web server's objects, the IIIF Auth services). */
public final class UrlPaths {
    private UrlPaths() {
    }

    /**
     * A name as a URL path: every UTF-8 byte but the unreserved ones and '/' percent-encoded, so its
     * folders stay folders (containers refuse {@code %2F} by default).
     */
    public static String encode(String name) {
        StringBuilder b = new StringBuilder(name.length() + 16);
        for (byte c : name.getBytes(StandardCharsets.UTF_8)) {
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '~' || c == '/') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 15, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }
}
