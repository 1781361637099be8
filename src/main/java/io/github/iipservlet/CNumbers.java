package io.github.iipservlet;

/**
 * C library number parsing as iipsrv uses it everywhere: leading white space skipped, the longest
 * valid prefix parsed, garbage gives 0 ({@code atoi("300px") == 300}, {@code atoi("abc") == 0}).
 * Used by the protocols' parsers and by the configuration, so it sits below both (no package of
 * its own for one class).
 */
public final class CNumbers {
    private CNumbers() {
    }

    public static int atoi(String s) {
        long v = atol(s);
        return (int) v;
    }

    public static long atol(String s) {
        if (s == null) {
            return 0;
        }
        int i = skipSpace(s, 0);
        int n = s.length();
        boolean negative = false;
        if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            v = v * 10 + (s.charAt(i) - '0');
            if (v > Integer.MAX_VALUE * 4L) {
                v = Integer.MAX_VALUE * 4L; // saturate: callers clamp anyway
            }
            i++;
        }
        return negative ? -v : v;
    }

    public static double atof(String s) {
        if (s == null) {
            return 0;
        }
        int start = skipSpace(s, 0);
        int n = s.length();
        int i = start;
        if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            i++;
        }
        int digits = 0;
        while (i < n && Character.isDigit(s.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && Character.isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return 0;
        }
        int mantissaEnd = i;
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < n && (s.charAt(j) == '-' || s.charAt(j) == '+')) {
                j++;
            }
            int expDigits = 0;
            while (j < n && Character.isDigit(s.charAt(j))) {
                j++;
                expDigits++;
            }
            if (expDigits > 0) {
                mantissaEnd = j;
            }
        }
        try {
            return Double.parseDouble(s.substring(start, mantissaEnd));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** True when the whole string (trimmed) is a number, so config warnings can name malformed values. */
    public static boolean isWellFormed(String s, boolean allowFraction) {
        String t = s.trim();
        return allowFraction ? t.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?") : t.matches("[-+]?\\d+");
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
