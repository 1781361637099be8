package io.github.iipservlet.containers;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The access rules of the config/ examples (docs/operations.md "Access control") in a real
 * container, whose own realm knows the users: {@value #STAFF} with the role staff and
 * {@value #READER} without it, both with {@link #PASSWORD}. The examples' rules give staff all of
 * restricted/ and secret/, any other logged-in user 512 pixels of restricted/, anybody 256 pixels
 * of restricted/ and nothing of secret/. Each caller is checked through IIP, IIIF, DeepZoom,
 * Zoomify and /list/ on a 2000x1500 pyramid (levels 2000, 1000, 500 and 250 pixels wide). Users
 * log in as a browser does, through the container: the WAR's FORM login page, j_security_check,
 * the session cookie; then the IIIF Authorization Flow's token, probe and logout services.
 */
final class ServedAccess {
    static final String STAFF = "staff";
    static final String READER = "reader";
    /** What the tests put in place of the examples' "change-me". */
    static final String PASSWORD = "Access-16-pw";
    /** The examples' placeholder password. */
    static final String EXAMPLE_PASSWORD = "change-me";
    static final String RESTRICTED = "restricted/big.tif";
    static final String SECRET = "secret/big.tif";
    /** A tile at full resolution (scale 1): only staff may have it. */
    static final String FULL_TILE = "/0,0,256,256/256,/0/default.jpg";
    private static final Pattern TOKEN = Pattern.compile("\"accessToken\"\\s*:\\s*\"([0-9a-fA-F]+)\"");

    private ServedAccess() {
    }

    /**
     * target/containers/access-images: {@link ServedProtocols}' images (copied, so the deployment
     * cycle serves them as well) with restricted/big.tif and secret/big.tif.
     */
    static synchronized Path images() throws IOException {
        Path dir = Setup.containersDir().resolve("access-images");
        Path served = ServedProtocols.images();
        for (String name : List.of(ServedProtocols.IMAGE, ServedProtocols.JP2)) {
            if (!Files.exists(dir.resolve(name))) {
                Setup.copyAtomically(served.resolve(name), dir.resolve(name));
            }
        }
        for (String name : List.of(RESTRICTED, SECRET)) {
            Path target = dir.resolve(name);
            if (!Files.exists(target)) {
                Files.createDirectories(target.getParent());
                Path tmp = target.resolveSibling(target.getFileName() + ".part");
                TiffWriter.builder().size(2000, 1500).tile(256, 256).compression(TiffWriter.Compression.JPEG)
                        .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(tmp);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return dir;
    }

    /** Every check, in order: anonymous, reader, staff, then the token flow and the logout. */
    static void check(String webapp) throws Exception {
        Session anonymous = new Session(webapp);
        checkAnonymous(anonymous);
        Session reader = new Session(webapp);
        reader.logIn(READER);
        checkReader(reader);
        Session staff = new Session(webapp);
        staff.logIn(STAFF);
        checkStaff(staff, anonymous);
        checkTokenFlow(staff, anonymous);
    }

    private static void checkAnonymous(Session s) {
        String iip = "/fcgi-bin/iipsrv.fcgi?FIF=" + RESTRICTED;
        assertAll("anonymous",
                () -> assertTrue(s.text(iip + "&OBJ=Max-size").contains("Max-size:250 188"), "IIP OBJ=Max-size"),
                () -> assertTrue(s.text(iip + "&OBJ=Resolution-number").contains("Resolution-number:1"),
                        "IIP OBJ=Resolution-number"),
                () -> s.refused(iip + "&JTL=3,0", 401),
                () -> s.image(iip + "&JTL=0,0", 250, 188),
                () -> {
                    String info = s.text("/iiif/" + RESTRICTED + "/info.json");
                    assertTrue(member(info, "width", "2000") && member(info, "height", "1500"), info);
                    assertTrue(member(info, "maxWidth", "256"), "IIIF maxWidth: " + info);
                    assertFalse(info.contains("\"width\":500") || info.contains("\"width\": 500"),
                            "IIIF sizes larger than 256: " + info);
                    assertTrue(info.contains(s.webapp + "/auth/probe/" + RESTRICTED), "IIIF probe service: " + info);
                    assertTrue(info.contains(s.webapp + "/auth/login"), "IIIF access service: " + info);
                },
                () -> s.image("/iiif/" + RESTRICTED + "/full/max/0/default.jpg", 256, 192),
                () -> s.refused("/iiif/" + RESTRICTED + FULL_TILE, 401),
                () -> s.refused("/iiif/" + RESTRICTED + "/full/1000,/0/default.jpg", 401),
                () -> {
                    String dzi = s.text("/deepzoom/" + RESTRICTED + ".dzi");
                    assertTrue(dzi.contains("Width=\"250\"") && dzi.contains("Height=\"188\""), "DeepZoom: " + dzi);
                },
                () -> s.image("/deepzoom/" + RESTRICTED + "_files/8/0_0.jpg", 250, 188),
                () -> s.refused("/deepzoom/" + RESTRICTED + "_files/11/0_0.jpg", 401),
                () -> {
                    String props = s.text("/zoomify/" + RESTRICTED + "/ImageProperties.xml");
                    assertTrue(props.contains("WIDTH=\"250\"") && props.contains("HEIGHT=\"188\""),
                            "Zoomify: " + props);
                },
                () -> s.image("/zoomify/" + RESTRICTED + "/TileGroup0/0-0-0.jpg", 250, 188),
                () -> s.refused("/zoomify/" + RESTRICTED + "/TileGroup0/3-0-0.jpg", 401),
                // secret/: nothing but info.json, which carries the services to log in.
                () -> s.refused("/fcgi-bin/iipsrv.fcgi?FIF=" + SECRET + "&OBJ=Max-size", 401),
                () -> s.refused("/iiif/" + SECRET + "/full/max/0/default.jpg", 401),
                () -> s.refused("/deepzoom/" + SECRET + ".dzi", 401),
                () -> s.refused("/zoomify/" + SECRET + "/ImageProperties.xml", 401),
                () -> assertEquals(200, s.get("/iiif/" + SECRET + "/info.json").status(), "IIIF info.json of secret/"),
                () -> {
                    Http.Reply list = s.get("/list/secret/");
                    assertFalse(list.text().contains("big.tif"), "/list/secret/ anonymous: " + list.text());
                },
                () -> {
                    String list = s.text("/list/restricted/");
                    assertTrue(list.contains("big.tif"), "/list/restricted/ anonymous: " + list);
                },
                () -> {
                    String probe = s.text("/auth/probe/" + RESTRICTED);
                    assertTrue(member(probe, "status", "401"), "probe: " + probe);
                    assertTrue(probe.contains(s.webapp + "/iiif/" + RESTRICTED + "~max256"), "substitute: " + probe);
                },
                () -> s.image("/iiif/" + RESTRICTED + "~max256/full/max/0/default.jpg", 250, 188));
    }

    private static void checkReader(Session s) {
        String iip = "/fcgi-bin/iipsrv.fcgi?FIF=" + RESTRICTED;
        assertAll("reader (authenticated, not staff)",
                () -> assertTrue(s.text(iip + "&OBJ=Max-size").contains("Max-size:500 375"), "IIP OBJ=Max-size"),
                () -> s.refused(iip + "&JTL=3,0", 403),
                () -> s.image(iip + "&JTL=1,0", 256, 256),
                () -> assertTrue(member(s.text("/iiif/" + RESTRICTED + "/info.json"), "maxWidth", "512"),
                        "IIIF maxWidth"),
                () -> s.image("/iiif/" + RESTRICTED + "/full/max/0/default.jpg", 512, 384),
                () -> s.refused("/iiif/" + RESTRICTED + FULL_TILE, 403),
                () -> assertTrue(s.text("/deepzoom/" + RESTRICTED + ".dzi").contains("Width=\"500\""), "DeepZoom"),
                () -> assertTrue(s.text("/zoomify/" + RESTRICTED + "/ImageProperties.xml").contains("WIDTH=\"500\""),
                        "Zoomify"),
                () -> s.refused("/fcgi-bin/iipsrv.fcgi?FIF=" + SECRET + "&OBJ=Max-size", 403),
                () -> assertFalse(s.get("/list/secret/").text().contains("big.tif"), "/list/secret/ for reader"),
                () -> assertTrue(member(s.text("/auth/probe/" + RESTRICTED), "status", "403"), "probe for reader"));
    }

    private static void checkStaff(Session s, Session anonymous) {
        String iip = "/fcgi-bin/iipsrv.fcgi?FIF=" + RESTRICTED;
        assertAll("staff",
                () -> assertTrue(s.text(iip + "&OBJ=Max-size").contains("Max-size:2000 1500"), "IIP OBJ=Max-size"),
                () -> s.image(iip + "&JTL=3,0", 256, 256),
                () -> {
                    String info = s.text("/iiif/" + RESTRICTED + "/info.json");
                    assertTrue(member(info, "maxWidth", Integer.toString(ServedProtocols.MAX_CVT)), "maxWidth: " + info);
                    assertTrue(info.contains("2000"), info);
                },
                () -> s.image("/iiif/" + RESTRICTED + "/full/1000,/0/default.jpg", 1000, 750),
                () -> assertTrue(s.text("/deepzoom/" + RESTRICTED + ".dzi").contains("Width=\"2000\""), "DeepZoom"),
                () -> s.image("/deepzoom/" + RESTRICTED + "_files/11/0_0.jpg", 256, 256),
                () -> assertTrue(s.text("/zoomify/" + RESTRICTED + "/ImageProperties.xml").contains("WIDTH=\"2000\""),
                        "Zoomify"),
                () -> s.image("/zoomify/" + RESTRICTED + "/TileGroup0/3-0-0.jpg", 256, 256),
                () -> assertTrue(s.text("/fcgi-bin/iipsrv.fcgi?FIF=" + SECRET + "&OBJ=Max-size")
                        .contains("Max-size:2000 1500"), "secret/ for staff"),
                () -> assertTrue(s.text("/list/secret/").contains("big.tif"), "/list/secret/ for staff"),
                () -> assertTrue(member(s.text("/auth/probe/" + SECRET), "status", "200"), "probe for staff"));
        // A tile rendered for staff, then asked for anonymously: the reply is private, varies with
        // the cookie, and the anonymous caller gets none of it (no shared cache may keep it, and
        // the webapp's own tile store must not hand it out).
        String url = "/iiif/" + SECRET + FULL_TILE;
        try {
            Http.Reply r = s.get(url);
            assertEquals(200, r.status(), url + " for staff: " + r.text());
            String cacheControl = r.header("Cache-Control");
            assertTrue(cacheControl != null && cacheControl.startsWith("private"), "Cache-Control: " + cacheControl);
            assertTrue(r.headers().allValues("Vary").stream().anyMatch(v -> v.contains("Cookie")),
                    "Vary: " + r.headers().allValues("Vary"));
            assertEquals(256, r.image().getWidth(), url);
            Http.Reply again = anonymous.get(url);
            assertEquals(401, again.status(), url + " anonymously after staff");
            assertFalse(again.contentType() != null && again.contentType().startsWith("image/"), "anonymous reply type");
            assertFalse(again.body().length > 1 && (again.body()[0] & 0xff) == 0xff && (again.body()[1] & 0xff) == 0xd8,
                    "anonymous reply is a JPEG");
        } catch (Exception e) {
            throw new AssertionError(url, e);
        }
    }

    /**
     * Auth 2.0 over plain HTTP, as a viewer's hidden frame does it: the token page for the
     * server's own origin, the probe without and with the token (no cookie), the logout ending it.
     */
    private static void checkTokenFlow(Session staff, Session anonymous) throws Exception {
        URI base = URI.create(staff.webapp);
        String origin = base.getScheme() + "://" + base.getRawAuthority();
        String page = staff.text("/auth/token?messageId=1&origin=" + URLEncoder.encode(origin, StandardCharsets.UTF_8));
        Matcher m = TOKEN.matcher(page);
        assertTrue(m.find(), "token page: " + page);
        assertTrue(page.contains("\"" + origin + "\""), "posted to the origin: " + page);
        String token = m.group(1);
        String evil = anonymous.text("/auth/token?messageId=2&origin="
                + URLEncoder.encode("https://evil.example", StandardCharsets.UTF_8));
        assertTrue(evil.contains("invalidOrigin") && !TOKEN.matcher(evil).find(), "foreign origin: " + evil);
        assertTrue(anonymous.text("/auth/token?messageId=3&origin=" + URLEncoder.encode(origin, StandardCharsets.UTF_8))
                .contains("missingAspect"), "token without login");

        String probe = "/auth/probe/" + RESTRICTED;
        String withoutToken = anonymous.text(probe);
        assertTrue(member(withoutToken, "status", "401") && withoutToken.contains("~max256"), withoutToken);
        String withToken = anonymous.text(probe, "Authorization", "Bearer " + token);
        assertTrue(member(withToken, "status", "200"), "probe with the token: " + withToken);
        Http.Reply tile = anonymous.get("/iiif/" + RESTRICTED + FULL_TILE, "Authorization", "Bearer " + token);
        assertEquals(200, tile.status(), "full tile with the token: " + tile.text());

        String logout = staff.text("/auth/logout");
        assertTrue(logout.contains("logged out"), "logout page: " + logout);
        String afterLogout = anonymous.text(probe, "Authorization", "Bearer " + token);
        assertTrue(member(afterLogout, "status", "401"), "probe with the token after the logout: " + afterLogout);
        assertEquals(401, staff.get("/iiif/" + RESTRICTED + FULL_TILE).status(), "staff's old cookie after the logout");
    }

    /** Whether the JSON text has {@code "name" : value} (any spacing around the colon). */
    private static boolean member(String json, String name, String value) {
        return Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*" + Pattern.quote(value) + "(?![\\w.])")
                .matcher(json).find();
    }

    /** One browser: its cookies for the webapp, kept by hand (no cookie handler in the client). */
    static final class Session {
        final String webapp;
        private final Map<String, String> cookies = new LinkedHashMap<>();

        Session(String webapp) {
            this.webapp = webapp;
        }

        /**
         * Logs in as a browser sent to the access service does: GET /auth/login gives the WAR's
         * login form (forwarded, or redirected to it), which posts to the container's
         * j_security_check; the container sends the browser back to /auth/login, which now
         * answers the page that closes the window.
         */
        void logIn(String user) throws Exception {
            Http.Reply r = get("/auth/login");
            if (r.status() == 302 || r.status() == 303) {
                r = get(path(r.header("Location")));
            }
            assertEquals(200, r.status(), "login form: " + r.text());
            assertTrue(r.text().contains("j_security_check") && r.text().contains("j_password"), "login form: "
                    + r.text());
            assertFalse(cookies.isEmpty(), "a session cookie with the login form: " + r.headers().map());
            Http.Reply posted = send("POST", "/j_security_check", "j_username=" + user + "&j_password=" + PASSWORD,
                    "Content-Type", "application/x-www-form-urlencoded");
            assertTrue(posted.status() == 302 || posted.status() == 303, "j_security_check for " + user + ": "
                    + posted.status() + " " + posted.text());
            String location = path(posted.header("Location"));
            assertTrue(location.startsWith("/auth/login"), "back to the access service: " + location);
            Http.Reply closed = get(location);
            assertEquals(200, closed.status(), "access service after the login: " + closed.text());
            assertTrue(closed.text().contains("window.close()"), "access service page: " + closed.text());
        }

        /** A Location made relative to the webapp. */
        private String path(String location) {
            assertNotNull(location, "Location");
            String p = URI.create(webapp).resolve(location).getRawPath();
            String query = URI.create(webapp).resolve(location).getRawQuery();
            String context = URI.create(webapp).getRawPath();
            assertTrue(p.startsWith(context + "/"), "redirected out of the webapp: " + location);
            return p.substring(context.length()) + (query == null ? "" : "?" + query);
        }

        Http.Reply get(String path, String... headers) throws IOException, InterruptedException {
            return send("GET", path, null, headers);
        }

        Http.Reply send(String method, String path, String body, String... headers)
                throws IOException, InterruptedException {
            List<String> all = new ArrayList<>(List.of(headers));
            if (!cookies.isEmpty()) {
                all.add("Cookie");
                all.add(String.join("; ", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .toList()));
            }
            Http.Reply r = Http.send(method, webapp + path, body, all.toArray(String[]::new));
            for (String set : r.headers().allValues("Set-Cookie")) {
                String pair = set.split(";", 2)[0];
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    cookies.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
                }
            }
            return r;
        }

        String text(String path, String... headers) throws Exception {
            Http.Reply r = get(path, headers);
            assertEquals(200, r.status(), path + ": " + r.text());
            return r.text();
        }

        void image(String path, int width, int height) throws Exception {
            Http.Reply r = get(path);
            assertEquals(200, r.status(), path + ": " + r.text());
            BufferedImage img = r.image();
            assertEquals(width + "x" + height, img.getWidth() + "x" + img.getHeight(), path);
        }

        void refused(String path, int status) throws Exception {
            Http.Reply r = get(path);
            assertEquals(status, r.status(), path + ": " + r.text());
            assertTrue(r.text().contains("Restricted image"), path + ": " + r.text());
            if (status == 401) {
                assertEquals("Bearer realm=\"iip-servlet\"", r.header("WWW-Authenticate"), path);
            }
        }
    }
}
