package io.github.iipservlet.access;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * IIIF Authorization Flow access tokens (docs/protocols.md 8.6): opaque random strings, each bound
 * to the container session it was issued in and to the roles its user had then. A token ends with
 * its session (logout, expiry) or at its own expiry, whichever comes first. Context-scoped: they
 * die with the webapp.
 */
public final class AccessTokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** More tokens than this and the expired ones are swept on the next issue. */
    private static final int SWEEP_ABOVE = 10_000;

    private record Grant(String session, Set<String> roles, long expiresAt) {
    }

    private final Map<String, Grant> grants = new ConcurrentHashMap<>();

    /**
     * A new token for a session's user.
     *
     * @param session   the container session's id
     * @param roles     the rules' roles this user has
     * @param ttlMillis how long the token lives at most
     */
    public String issue(String session, Set<String> roles, long ttlMillis) {
        if (grants.size() > SWEEP_ABOVE) {
            long now = System.currentTimeMillis();
            grants.values().removeIf(g -> g.expiresAt <= now);
        }
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        grants.put(token, new Grant(session, Set.copyOf(roles), System.currentTimeMillis() + ttlMillis));
        return token;
    }

    /** The caller a token stands for, or null when it is unknown, expired or its session ended. */
    public Caller caller(String token) {
        Grant g = token == null ? null : grants.get(token);
        if (g == null) {
            return null;
        }
        if (g.expiresAt <= System.currentTimeMillis()) {
            grants.remove(token);
            return null;
        }
        return Caller.withRoles(g.roles);
    }

    /** Ends every token of a session (its logout or expiry). */
    public void endSession(String session) {
        grants.values().removeIf(g -> g.session.equals(session));
    }

    /** Tokens held now, for /health. */
    public int size() {
        return grants.size();
    }
}
