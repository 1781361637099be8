package io.github.iipservlet.protocol;

import io.github.iipservlet.access.AccessRules;
import io.github.iipservlet.access.Caller;
import io.github.iipservlet.access.Limit;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.OpenImage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the access rules meet a request (docs/operations.md "Access control"): who the caller is
 * (an IIIF access token, the container's login, or the roles remembered at the access service),
 * what the rules give them of an image, and what that does to the image and the reply. Every
 * protocol opens its images through {@link #apply}; the renderer then refuses any view larger
 * than the caller's limit.
 */
public final class ImageAccess {
    /** Session attribute: the rules' roles of the user, remembered when they logged in at the access service. */
    public static final String SESSION_ROLES = "io.github.iipservlet.access.roles";
    private static final Pattern MAX_AGE = Pattern.compile("max-age=\\d+");

    /**
     * What the rules give one caller of one image.
     *
     * @param limit         what the caller may receive
     * @param restricted    some caller may receive less than full: replies are private
     * @param authenticated the caller is logged in (a refusal is 403, else 401)
     */
    public record Decision(Limit limit, boolean restricted, boolean authenticated) {
        /** No rules apply. */
        public static final Decision OPEN = new Decision(Limit.FULL, false, false);

        /** What a refusal is: 401 for somebody who may log in, 403 for somebody logged in. */
        public ImageException.Kind refusal() {
            return authenticated ? ImageException.Kind.FORBIDDEN : ImageException.Kind.LOGIN_REQUIRED;
        }

        public ImageException refused() {
            return new ImageException(refusal(), authenticated ? "Restricted image: not for this user"
                    : "Restricted image: log in to see it");
        }
    }

    private ImageAccess() {
    }

    /** What the rules give this request's caller of an image (its identifier as the client named it, decoded). */
    public static Decision decide(HttpServletRequest request, Services services, String identifier) {
        AccessRules rules = services.access().rules();
        if (rules.isEmpty()) {
            return Decision.OPEN;
        }
        Caller caller = caller(request, services);
        AccessRules.Answer answer = rules.answer(identifier, caller);
        return new Decision(answer.limit(), answer.restricted(), caller.authenticated());
    }

    /**
     * The caller: the holder of a valid IIIF access token ({@code Authorization: Bearer}), else the
     * user the container has authenticated, else the user who logged in at the access service in
     * this session, else anonymous.
     */
    public static Caller caller(HttpServletRequest request, Services services) {
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            Caller byToken = services.tokens().caller(authorization.substring(7).trim());
            if (byToken != null) {
                return byToken;
            }
        }
        return sessionCaller(request);
    }

    /**
     * The caller the request's login says, token aside: the user the container authenticated, else
     * the one who logged in at the access service in this session, else anonymous.
     */
    public static Caller sessionCaller(HttpServletRequest request) {
        Principal user = request.getUserPrincipal();
        if (user != null) {
            return new Caller() {
                @Override
                public boolean authenticated() {
                    return true;
                }

                @Override
                public boolean hasRole(String role) {
                    return request.isUserInRole(role);
                }
            };
        }
        HttpSession session = request.getSession(false);
        if (session != null) {
            try {
                if (session.getAttribute(SESSION_ROLES) instanceof Set<?> roles) {
                    @SuppressWarnings("unchecked")
                    Set<String> names = (Set<String>) roles;
                    return Caller.withRoles(names);
                }
            } catch (IllegalStateException invalidated) {
                // Logged out while this request ran.
            }
        }
        return Caller.ANONYMOUS;
    }

    /**
     * The image as the decision lets the caller see it: refused for none; for a limit, limited to
     * it (with {@code smallerLevelsOnly}, also without the levels larger than the limit).
     *
     * @throws ImageException LOGIN_REQUIRED or FORBIDDEN when the caller may see nothing of it
     */
    public static OpenImage apply(OpenImage image, Decision decision, boolean smallerLevelsOnly)
            throws ImageException {
        Limit limit = decision.limit();
        if (limit.full()) {
            return image;
        }
        OpenImage limited = limit.none() ? null
                : image.limitedTo(limit.pixels(), smallerLevelsOnly, decision.refusal());
        if (limited == null) {
            throw decision.refused();
        }
        return limited;
    }

    /**
     * Marks the reply of a restricted image as one no shared cache may keep, and that varies with
     * who asks: {@code private}, with CACHE_CONTROL's max-age when it has one.
     */
    public static void privateReply(HttpServletResponse response, boolean restricted, String cacheControl) {
        if (!restricted) {
            return;
        }
        Matcher m = MAX_AGE.matcher(cacheControl);
        response.setHeader("Cache-Control", m.find() ? "private, " + m.group() : "private");
        response.addHeader("Vary", "Authorization, Cookie");
    }
}
