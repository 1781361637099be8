package io.github.iipservlet.protocol;

import java.util.Locale;

/** The content of a JSON string: the one escaping used by every JSON reply (OBJ, info.json, listings). */
public final class JsonStrings {
    private JsonStrings() {
    }

    /** Quotes and backslashes escaped, control characters as {@code \n}, {@code \t} or {@code \\u00XX}. */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
