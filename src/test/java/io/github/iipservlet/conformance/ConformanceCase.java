package io.github.iipservlet.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of src/test/conformance/cases.txt, parsed exactly as diffconf.py parses it.
 *
 * <ul>
 *   <li>{@code QUERY}: sent to the reference(s) and to ours, compared in full;
 *   <li>{@code status-only QUERY}: same, but only the status class is compared;
 *   <li>{@code expect NNN QUERY}: only ours, must answer status NNN (the reference deviates from
 *       the spec here);
 *   <li>{@code image MIME WxH QUERY}: only ours, 200 with that content type, decodes, that size
 *       ({@code *} = any);
 *   <li>{@code like QUERY_A == QUERY_B}: only ours, both decode to the same size within 25 dB.
 * </ul>
 */
record ConformanceCase(Kind kind, String line, List<String> queries, int expectStatus, String mime, String size) {

    enum Kind { COMPARE, STATUS_ONLY, EXPECT, IMAGE, LIKE }

    private static final Pattern EXPECT = Pattern.compile("expect (\\d{3}) (.*)");
    private static final Pattern IMAGE = Pattern.compile("image (\\S+) (\\S+) (.*)");
    private static final Pattern LIKE = Pattern.compile("like (.*) == (.*)");
    private static final String STATUS_ONLY_PREFIX = "status-only ";

    /** Parses one line; empty for blank lines and comments (diffconf.py: {@code line.split(" #")[0].strip()}). */
    static Optional<ConformanceCase> parse(String raw) {
        int hash = raw.indexOf(" #");
        String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
        if (line.isEmpty() || line.startsWith("#")) {
            return Optional.empty();
        }
        // Same order of tests as diffconf.py: image, like, expect, then a plain query.
        Matcher mi = IMAGE.matcher(line);
        if (mi.matches()) {
            return Optional.of(new ConformanceCase(Kind.IMAGE, line, List.of(mi.group(3)), 0, mi.group(1), mi.group(2)));
        }
        Matcher ml = LIKE.matcher(line);
        if (ml.matches()) {
            return Optional.of(new ConformanceCase(Kind.LIKE, line, List.of(ml.group(1), ml.group(2)), 0, null, null));
        }
        Matcher me = EXPECT.matcher(line);
        if (me.matches()) {
            return Optional.of(new ConformanceCase(Kind.EXPECT, line, List.of(me.group(2)),
                    Integer.parseInt(me.group(1)), null, null));
        }
        if (line.startsWith(STATUS_ONLY_PREFIX)) {
            return Optional.of(new ConformanceCase(Kind.STATUS_ONLY, line,
                    List.of(line.substring(STATUS_ONLY_PREFIX.length())), 0, null, null));
        }
        return Optional.of(new ConformanceCase(Kind.COMPARE, line, List.of(line), 0, null, null));
    }

    static List<ConformanceCase> load(Path file) throws IOException {
        List<ConformanceCase> cases = new ArrayList<>();
        for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            parse(raw).ifPresent(cases::add);
        }
        return cases;
    }

    /** The query of a one-query case (all kinds but LIKE). */
    String query() {
        return queries.get(0);
    }

    /** Whether the case only talks to our server (no reference needed). */
    boolean oursOnly() {
        return kind == Kind.EXPECT || kind == Kind.IMAGE || kind == Kind.LIKE;
    }
}
