package io.github.iipservlet.access;

import java.util.Set;

/** Who asks, as the rules see it: whether the container knows them, and their roles. */
public interface Caller {
    boolean authenticated();

    /** True when the caller has this container role. */
    boolean hasRole(String role);

    /** Nobody logged in. */
    Caller ANONYMOUS = new Caller() {
        @Override
        public boolean authenticated() {
            return false;
        }

        @Override
        public boolean hasRole(String role) {
            return false;
        }
    };

    /** An authenticated caller known by a fixed set of roles (a token's, or one remembered at login). */
    static Caller withRoles(Set<String> roles) {
        Set<String> copy = Set.copyOf(roles);
        return new Caller() {
            @Override
            public boolean authenticated() {
                return true;
            }

            @Override
            public boolean hasRole(String role) {
                return copy.contains(role);
            }
        };
    }
}
