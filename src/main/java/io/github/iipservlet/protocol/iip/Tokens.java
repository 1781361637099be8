package io.github.iipservlet.protocol.iip;

import java.util.ArrayList;
import java.util.List;

/** iipsrv's tokenising of command arguments: split on one character, empty tokens skipped. */
final class Tokens {
    private Tokens() {
    }

    static String[] split(String text, char separator) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int n = text.length();
        while (start <= n) {
            int end = text.indexOf(separator, start);
            if (end < 0) {
                end = n;
            }
            if (end > start) {
                out.add(text.substring(start, end));
            }
            start = end + 1;
        }
        return out.toArray(new String[0]);
    }

    /**
     * The text between the first '[' and the first ']' with C++ substr semantics (docs/protocols.md 3.16): a
     * missing '[' starts at the beginning, a missing (or earlier) ']' runs to the end.
     */
    static String bracketed(String text) {
        int open = text.indexOf('[');
        int start = open < 0 ? 0 : open + 1;
        int close = text.indexOf(']');
        int end = close < start ? text.length() : close;
        return text.substring(start, end);
    }
}
