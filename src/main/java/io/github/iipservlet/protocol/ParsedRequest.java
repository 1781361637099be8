package io.github.iipservlet.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A request string split into commands, left to right, as iipsrv does (docs/protocols.md 2.2): split on
 * {@code &}, empty tokens skipped, a token without {@code =} is both key and value, pairs with an
 * empty key or value dropped. Values stay undecoded: each command decodes its own.
 */
public record ParsedRequest(String requestString, List<Command> commands, boolean post) {
    /** Request attribute under which the front servlet hands the parsed request on. */
    public static final String ATTRIBUTE = ParsedRequest.class.getName();

    /** One command: the name as given (matched case-insensitively) and its raw value. */
    public record Command(String name, String value) {
        public String upperName() {
            return name.toUpperCase(Locale.ROOT);
        }
    }

    public static ParsedRequest parse(String requestString, boolean post) {
        List<Command> commands = new ArrayList<>();
        int start = 0;
        int n = requestString.length();
        while (start < n) {
            int amp = requestString.indexOf('&', start);
            int end = amp < 0 ? n : amp;
            if (end > start) {
                String token = requestString.substring(start, end);
                int eq = token.indexOf('=');
                String key = eq < 0 ? token : token.substring(0, eq);
                String value = eq < 0 ? token : token.substring(eq + 1);
                if (!key.isEmpty() && !value.isEmpty()) {
                    commands.add(new Command(key, value));
                }
            }
            start = end + 1;
        }
        return new ParsedRequest(requestString, List.copyOf(commands), post);
    }
}
