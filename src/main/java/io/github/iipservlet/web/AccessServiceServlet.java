package io.github.iipservlet.web;

import io.github.iipservlet.access.Caller;
import io.github.iipservlet.protocol.HttpReplies;
import io.github.iipservlet.protocol.ImageAccess;
import io.github.iipservlet.protocol.JsonStrings;
import io.github.iipservlet.protocol.ProtocolRequests;
import io.github.iipservlet.protocol.Services;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The IIIF Authorization Flow 2.0 pages of the webapp (docs/protocols.md 8.6): the access service
 * {@code /auth/login} (behind the container's login: web.xml's security constraint and
 * login-config decide how users log in), the token service {@code /auth/token} and the logout
 * service {@code /auth/logout}. The container authenticates; this only remembers what the access
 * rules need of the user and hands out tokens bound to the session.
 */
public final class AccessServiceServlet extends HttpServlet {
    private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.:\\[\\]-]{1,300}");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        Services services = Services.of(getServletContext());
        response.setHeader("Cache-Control", "no-store");
        switch (request.getServletPath()) {
            case "/auth/login" -> login(request, response, services);
            case "/auth/token" -> token(request, response, services);
            case "/auth/logout" -> logout(request, response, services);
            default -> HttpReplies.notFound(response, "No such page");
        }
    }

    /**
     * Reached only once the container has authenticated the user: remembers their roles for the
     * session (some containers know the user only on pages they protect) and closes the window,
     * the signal the IIIF client waits for.
     */
    private static void login(HttpServletRequest request, HttpServletResponse response, Services services)
            throws IOException {
        if (request.getUserPrincipal() == null) {
            // Only without the web.xml constraint: nothing was asked of the user.
            HttpReplies.text(response, HttpServletResponse.SC_FORBIDDEN, "No login is configured for this server");
            return;
        }
        Set<String> roles = services.access().rules().rolesOf(ImageAccess.sessionCaller(request));
        request.getSession(true).setAttribute(ImageAccess.SESSION_ROLES, roles);
        page(response, "Logged in", "<p>You are logged in as " + html(request.getUserPrincipal().getName())
                + ". This window closes itself; if it does not, close it.</p>", "window.close();");
    }

    /**
     * Auth 2.0 section 4: an HTML page that posts a token, or the reason there is none, to the
     * page that framed it, if its origin is this server's or one of ACCESS_ORIGINS.
     */
    private static void token(HttpServletRequest request, HttpServletResponse response, Services services)
            throws IOException {
        String messageId = request.getParameter("messageId");
        String origin = request.getParameter("origin");
        String message;
        String target = origin;
        if (messageId == null || origin == null || !ORIGIN.matcher(origin).matches()) {
            message = error("invalidRequest", messageId == null ? "" : messageId);
            target = "*"; // nothing secret in it, and a malformed origin would stop the script
        } else if (!allowedOrigin(request, services, origin)) {
            message = error("invalidOrigin", messageId);
        } else {
            // The login of the session cookie, never another token: that is what the token stands for.
            Caller caller = ImageAccess.sessionCaller(request);
            HttpSession session = caller.authenticated() ? request.getSession(true) : null;
            if (session == null) {
                message = error("missingAspect", messageId);
            } else {
                Set<String> roles = services.access().rules().rolesOf(caller);
                int seconds = session.getMaxInactiveInterval() > 0 ? session.getMaxInactiveInterval() : 3600;
                String token = services.tokens().issue(session.getId(), roles, seconds * 1000L);
                message = "{\"@context\": \"http://iiif.io/api/auth/2/context.json\", \"type\": \"AuthAccessToken2\", "
                        + "\"accessToken\": \"" + token + "\", \"expiresIn\": " + seconds + ", \"messageId\": \""
                        + JsonStrings.escape(messageId) + "\"}";
            }
        }
        page(response, "Access token", "", "window.parent.postMessage(" + script(message) + ", \""
                + script(JsonStrings.escape(target)) + "\");");
    }

    private static String error(String profile, String messageId) {
        return "{\"@context\": \"http://iiif.io/api/auth/2/context.json\", \"type\": \"AuthAccessTokenError2\", "
                + "\"profile\": \"" + profile + "\", \"messageId\": \"" + JsonStrings.escape(messageId) + "\"}";
    }

    /** This server's own origin (what its viewer page runs on), or one ACCESS_ORIGINS names, or any with {@code *}. */
    static boolean allowedOrigin(HttpServletRequest request, Services services, String origin) {
        URI own = URI.create(ProtocolRequests.origin(request, services.config().trustedProxies));
        String ownOrigin = own.getScheme() + "://" + own.getRawAuthority();
        if (origin.equalsIgnoreCase(ownOrigin)) {
            return true;
        }
        for (String allowed : services.config().accessOrigins.trim().split("[\\s,]+")) {
            if (allowed.equals("*") || !allowed.isEmpty() && allowed.replaceAll("/+$", "").equalsIgnoreCase(origin)) {
                return true;
            }
        }
        return false;
    }

    /** Auth 2.0 section 6.2: ends the session, its tokens and the container's login. */
    private static void logout(HttpServletRequest request, HttpServletResponse response, Services services)
            throws IOException, ServletException {
        HttpSession session = request.getSession(false);
        if (session != null) {
            services.tokens().endSession(session.getId());
            try {
                session.invalidate();
            } catch (IllegalStateException already) {
                // Ended by another request.
            }
        }
        request.logout();
        page(response, "Logged out", "<p>You are logged out.</p>", "");
    }

    private static void page(HttpServletResponse response, String title, String body, String script)
            throws IOException {
        String html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head>\n<body>"
                + body + (script.isEmpty() ? "" : "\n<script>" + script + "</script>") + "\n</body></html>\n";
        HttpReplies.identify(response);
        HttpReplies.body(response, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    /** JSON text made safe inside a script element: no "</script>" can end it early. */
    private static String script(String json) {
        return json.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
    }

    private static String html(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
