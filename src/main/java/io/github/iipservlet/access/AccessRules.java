package io.github.iipservlet.access;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * ACCESS_RULES (docs/operations.md "Access control"): rules {@code GLOB ROLE LIMIT}, separated by
 * {@code ;} or new lines, {@code #} starting a comment. The first rule whose glob matches the
 * identifier and whose role the caller has decides; when none does, the image is open to all, so a
 * server without rules behaves as before. Immutable.
 */
public final class AccessRules {
    /** No rules: every image is full to everybody. */
    public static final AccessRules NONE = new AccessRules(List.of());

    /** One rule, with the line it came from for messages. */
    record Rule(String glob, Pattern pattern, String role, Limit limit, String where) {
        boolean appliesTo(Caller caller) {
            return switch (role) {
                case "*" -> true;
                case "authenticated" -> caller.authenticated();
                default -> caller.authenticated() && caller.hasRole(role);
            };
        }
    }

    private final List<Rule> rules;

    private AccessRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * Reads rules; the first bad one is refused with a message naming where it is.
     *
     * @param text   the rules
     * @param source what they came from, for messages: {@code ACCESS_RULES}, or a file's name
     * @throws IllegalArgumentException naming the source, the line (and rule on that line) and what is wrong
     */
    public static AccessRules parse(String text, String source) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int l = 0; l < lines.length; l++) {
            String line = lines[l];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            String[] pieces = line.split(";", -1);
            int count = 0;
            for (String piece : pieces) {
                String rule = piece.strip();
                if (rule.isEmpty()) {
                    continue;
                }
                count++;
                String where = source + " line " + (l + 1) + (pieces.length > 1 ? " rule " + count : "");
                rules.add(rule(rule, where));
            }
        }
        return new AccessRules(rules);
    }

    private static Rule rule(String text, String where) {
        String[] fields = text.split("\\s+");
        if (fields.length != 3) {
            throw new IllegalArgumentException(where + ": '" + text + "' is not GLOB ROLE LIMIT (three fields, "
                    + "separated by spaces)");
        }
        try {
            Limit limit = Limit.parse(fields[2]);
            return new Rule(fields[0], glob(fields[0]), fields[1], limit, where);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * A shell glob as a pattern on identifiers: {@code *} and {@code ?} within a folder,
     * {@code **} across folders ({@code **}{@code /} also matching no folder at all); everything
     * else literal.
     */
    static Pattern glob(String glob) {
        if (glob.startsWith("/")) {
            throw new IllegalArgumentException("'" + glob + "': globs are identifiers, without a leading /");
        }
        StringBuilder re = new StringBuilder();
        int n = glob.length();
        for (int i = 0; i < n; i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < n && glob.charAt(i + 1) == '*') {
                boolean slash = i + 2 < n && glob.charAt(i + 2) == '/';
                re.append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    /** Both lists of rules, these first. */
    public AccessRules then(AccessRules more) {
        List<Rule> all = new ArrayList<>(rules);
        all.addAll(more.rules);
        return new AccessRules(all);
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    public int size() {
        return rules.size();
    }

    /**
     * What the rules say of one caller and one image, read in one pass.
     *
     * @param limit      what the caller may receive: the first rule that matches and applies, else full
     * @param restricted some caller may be refused part of this image (a rule that is not
     *                   {@code full} matches it): replies about it differ by caller, so no shared
     *                   cache may keep them
     */
    public record Answer(Limit limit, boolean restricted) {
    }

    public Answer answer(String identifier, Caller caller) {
        String name = normalise(identifier);
        Limit limit = null;
        boolean restricted = false;
        for (Rule r : rules) {
            if (r.pattern.matcher(name).matches()) {
                restricted |= !r.limit.full();
                if (limit == null && r.appliesTo(caller)) {
                    limit = r.limit;
                }
                if (limit != null && restricted) {
                    break; // nothing later changes either
                }
            }
        }
        return new Answer(limit == null ? Limit.FULL : limit, restricted);
    }

    /** {@link Answer#limit} alone. */
    public Limit limitFor(String identifier, Caller caller) {
        return answer(identifier, caller).limit();
    }

    /** {@link Answer#restricted} alone (it does not depend on the caller). */
    public boolean restricted(String identifier) {
        return answer(identifier, Caller.ANONYMOUS).restricted();
    }

    /** The container roles the rules name (not {@code *} or {@code authenticated}). */
    public Set<String> roles() {
        Set<String> roles = new LinkedHashSet<>();
        for (Rule r : rules) {
            if (!r.role.equals("*") && !r.role.equals("authenticated")) {
                roles.add(r.role);
            }
        }
        return roles;
    }

    /** The roles of {@link #roles} this caller has: what a token or a session remembers of them. */
    public Set<String> rolesOf(Caller caller) {
        Set<String> held = new LinkedHashSet<>();
        for (String role : roles()) {
            if (caller.hasRole(role)) {
                held.add(role);
            }
        }
        return held;
    }

    /**
     * The identifier as the image folder resolves it: without leading slashes and with runs of
     * slashes as one, so {@code //restricted//a.tif} meets the rules of {@code restricted/a.tif}.
     */
    static String normalise(String identifier) {
        if (!identifier.startsWith("/") && !identifier.contains("//")) {
            return identifier; // the usual case, without a regular expression on every request
        }
        String s = identifier.replaceAll("/{2,}", "/");
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        return s;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Rule r : rules) {
            if (b.length() > 0) {
                b.append("; ");
            }
            b.append(r.glob).append(' ').append(r.role).append(' ').append(r.limit);
        }
        return b.toString();
    }
}
