package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access rules and the IIIF Authorization Flow through the real webapp in Jetty, whose realm has
 * the users staff (role staff) and reader (no role), logging in through the WAR's FORM login
 * (docs/operations.md "Access control"): what anonymous, reader and staff get in every protocol,
 * that nothing rendered for one reaches another, and the token and probe services.
 */
class AccessControlTest {
    private static final String RULES = "restricted/** staff full; restricted/** authenticated 512; "
            + "restricted/** * 256; secret/** staff full; secret/** * none";
    private static final String BIG = "restricted/big.tif";

    @TempDir
    static Path images;
    static TestServer server;
    static String base;
    static String iip;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(images.resolve("restricted"));
        Files.createDirectories(images.resolve("secret"));
        Files.createDirectories(images.resolve("open"));
        TiffWriter.builder().size(2000, 1500).write(images.resolve(BIG));
        TiffWriter.builder().size(600, 400).write(images.resolve("secret/s.tif"));
        TiffWriter.builder().size(600, 400).write(images.resolve("open/o.tif"));
        server = TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/", "ACCESS_RULES", RULES,
                "ACCESS_DENIED_HEADING", "Restricted \"heading\""));
        base = server.baseUrl();
        iip = server.iipUrl() + "?";
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** A browser's session: cookies kept, redirects followed. */
    private static final class Session {
        final HttpClient client = HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NORMAL).build();

        HttpResponse<byte[]> get(String url, String... headers) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
            for (int i = 0; i + 1 < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        }

        String text(String url) throws Exception {
            return new String(get(url).body(), StandardCharsets.UTF_8);
        }

        /** The access service as a IIIF client opens it: the container's login form, then the page that closes. */
        static Session login(String user) throws Exception {
            Session s = new Session();
            String form = s.text(base + "/auth/login?origin=" + origin());
            assertTrue(form.contains("j_security_check"), "the container's FORM login: " + form);
            String body = "j_username=" + user + "&j_password=" + URLEncoder.encode(TestServer.PASSWORD,
                    StandardCharsets.UTF_8);
            HttpResponse<byte[]> done = s.client.send(HttpRequest.newBuilder(URI.create(base + "/j_security_check"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            String page = new String(done.body(), StandardCharsets.UTF_8);
            assertEquals(200, done.statusCode(), page);
            assertTrue(page.contains("window.close()") && page.contains("logged in as " + user), page);
            return s;
        }

        /** The token service as the client's iframe loads it; the token, or the error profile with a '!'. */
        String token(String origin) throws Exception {
            String page = text(base + "/auth/token?messageId=m%3C1&origin=" + URLEncoder.encode(origin,
                    StandardCharsets.UTF_8));
            assertTrue(page.contains("\"messageId\": \"m\\u003c1\""), "messageId echoed, script-safe: " + page);
            Matcher m = Pattern.compile("\"accessToken\": \"([0-9a-f]+)\"").matcher(page);
            if (m.find()) {
                assertTrue(page.contains("}, \"" + origin + "\");"), "posted to the caller's origin only: " + page);
                return m.group(1);
            }
            Matcher e = Pattern.compile("\"profile\": \"(\\w+)\"").matcher(page);
            assertTrue(e.find(), page);
            return "!" + e.group(1);
        }
    }

    private static String origin() {
        return base.replaceAll("^(https?://[^/]+).*$", "$1");
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static BufferedImage image(byte[] bytes) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
        assertNotNull(img);
        return img;
    }

    private static String maxSize(String objReply) {
        Matcher m = Pattern.compile("Max-size:(\\d+ \\d+)").matcher(objReply);
        assertTrue(m.find(), objReply);
        return m.group(1);
    }

    private static int json(String text, String field) {
        Matcher m = Pattern.compile("\"" + field + "\" ?: ?(\\d+)").matcher(text);
        assertTrue(m.find(), field + " in " + text);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void iipShowsEachCallerTheLevelsTheyMaySee() throws Exception {
        Session staff = Session.login("staff");
        Session reader = Session.login("reader");
        String query = "FIF=" + BIG + "&OBJ=Max-size&OBJ=Resolution-number";
        assertEquals("2000 1500", maxSize(staff.text(iip + query)));
        assertEquals("500 375", maxSize(reader.text(iip + query)), "the largest level within 512");
        Http.Reply anonymous = Http.get(iip + query);
        assertEquals("250 188", maxSize(anonymous.text()), "the largest level within 256");
        assertTrue(anonymous.text().contains("Resolution-number:1"), anonymous.text());
        assertTrue(anonymous.header("Cache-Control").startsWith("private"), anonymous.header("Cache-Control"));

        // The full resolution (3 of 0..3): staff only; 401 for somebody who may log in, 403 for reader.
        assertEquals(200, staff.get(iip + "FIF=" + BIG + "&JTL=3,0").statusCode());
        Http.Reply refused = Http.get(iip + "FIF=" + BIG + "&JTL=3,0");
        assertEquals(401, refused.status(), refused.text());
        assertEquals("Bearer realm=\"iip-servlet\"", refused.header("WWW-Authenticate"));
        assertEquals(403, reader.get(iip + "FIF=" + BIG + "&JTL=3,0").statusCode());
        assertEquals(200, reader.get(iip + "FIF=" + BIG + "&JTL=1,0").statusCode());
        // Resolutions the caller has are served; a CVT larger than the limit is not.
        assertEquals(200, Http.get(iip + "FIF=" + BIG + "&JTL=0,0").status());
        assertEquals(401, Http.get(iip + "FIF=" + BIG + "&JTL=1,0").status());
        assertEquals(200, Http.get(iip + "FIF=" + BIG + "&WID=250&CVT=jpeg").status());
        assertEquals(401, Http.get(iip + "FIF=" + BIG + "&WID=600&CVT=jpeg").status());
        assertEquals(404, Http.get(iip + "FIF=" + BIG + "&JTL=4,0").status(), "one the image does not have");
    }

    @Test
    void deepZoomAndZoomifyDescribeTheSmallerImage() throws Exception {
        Session staff = Session.login("staff");
        String dzi = Http.get(base + "/deepzoom/" + BIG + ".dzi").text();
        assertTrue(dzi.contains("Width=\"250\" Height=\"188\""), dzi);
        assertTrue(staff.text(base + "/deepzoom/" + BIG + ".dzi").contains("Width=\"2000\" Height=\"1500\""));
        // DeepZoom level 11 is the full 2000 pixels, level 8 is 250.
        assertEquals(401, Http.get(base + "/deepzoom/" + BIG.replace(".tif", ".tif_files") + "/11/0_0.jpg").status());
        assertEquals(200, Http.get(base + "/deepzoom/" + BIG.replace(".tif", ".tif_files") + "/8/0_0.jpg").status());
        assertEquals(200, staff.get(base + "/deepzoom/" + BIG.replace(".tif", ".tif_files") + "/11/0_0.jpg")
                .statusCode());
        String zoomify = Http.get(base + "/zoomify/" + BIG + "/ImageProperties.xml").text();
        assertTrue(zoomify.contains("WIDTH=\"250\" HEIGHT=\"188\""), zoomify);
        assertTrue(staff.text(base + "/zoomify/" + BIG + "/ImageProperties.xml").contains("WIDTH=\"2000\""));
        // Zoomify tier 3 is the full resolution (2000, 1000, 500, 250 from the top).
        assertEquals(200, Http.get(base + "/zoomify/" + BIG + "/TileGroup0/0-0-0.jpg").status());
        assertEquals(401, Http.get(base + "/zoomify/" + BIG + "/TileGroup0/3-0-0.jpg").status());
        assertEquals(200, staff.get(base + "/zoomify/" + BIG + "/TileGroup0/3-0-0.jpg").statusCode());
    }

    @Test
    void iiifInfoSaysWhatTheCallerMayHaveAndHowToLogIn() throws Exception {
        String info = Http.get(base + "/iiif/" + BIG + "/info.json").text();
        assertEquals(2000, json(info, "width"), "everybody's coordinates");
        assertEquals(256, json(info, "maxWidth"));
        assertTrue(info.contains("\"scaleFactors\" : [ 8 ]"), info);
        assertTrue(info.contains("\"@context\" : [ \"http://iiif.io/api/auth/2/context.json\", "
                + "\"http://iiif.io/api/image/3/context.json\" ]"), info);
        assertTrue(info.contains("\"type\": \"AuthProbeService2\"") && info.contains("\"profile\": \"active\"")
                && info.contains(base + "/auth/probe/restricted/big.tif") && info.contains(base + "/auth/token")
                && info.contains("\"type\": \"AuthLogoutService2\""), info);
        assertTrue(info.contains("Restricted \\\"heading\\\""), "texts from configuration, escaped: " + info);

        Session staff = Session.login("staff");
        String staffInfo = staff.text(base + "/iiif/" + BIG + "/info.json");
        assertEquals(5000, json(staffInfo, "maxWidth"), "MAX_CVT");
        assertTrue(staffInfo.contains("AuthProbeService2"), "staff are shown how to log out");

        // max is the largest the caller may have of the region; more is refused, whatever the form.
        Http.Reply max = Http.get(base + "/iiif/" + BIG + "/full/max/0/default.jpg");
        assertEquals(200, max.status());
        assertEquals("256x192", image(max.body()).getWidth() + "x" + image(max.body()).getHeight());
        assertEquals(200, Http.get(base + "/iiif/" + BIG + "/0,0,1000,1000/128,/0/default.jpg").status());
        assertEquals(401, Http.get(base + "/iiif/" + BIG + "/0,0,1000,1000/200,/0/default.jpg").status());
        assertEquals(401, Http.get(base + "/iiif/" + BIG + "/full/512,/0/default.jpg").status());
        assertEquals(401, Http.get(base + "/iiif/" + BIG + "/0,0,256,256/256,256/0/default.jpg").status());
        assertEquals(200, staff.get(base + "/iiif/" + BIG + "/0,0,256,256/256,256/0/default.jpg").statusCode());

        // The smaller tier the probe offers: an image service of its own size.
        String tier = Http.get(base + "/iiif/" + BIG + "~max256/info.json").text();
        assertEquals(250, json(tier, "width"));
        assertTrue(tier.contains(base + "/iiif/" + BIG + "~max256\""), tier);
        assertFalse(tier.contains("AuthProbeService2"), "the tier is open to this caller");
        assertEquals(200, Http.get(base + "/iiif/" + BIG + "~max256/0,0,250,188/250,/0/default.jpg").status());
        assertEquals(401, Http.get(base + "/iiif/" + BIG + "~max512/info.json").status(), "more than 256");
        assertEquals(200, Session.login("reader").get(base + "/iiif/" + BIG + "~max512/info.json").statusCode());
    }

    @Test
    void nothingRenderedForStaffReachesAnybodyElse() throws Exception {
        Session staff = Session.login("staff");
        for (String url : new String[] {base + "/iiif/" + BIG + "/0,0,256,256/256,256/0/default.jpg",
            iip + "FIF=" + BIG + "&JTL=3,1", base + "/deepzoom/restricted/big.tif_files/11/1_0.jpg",
            iip + "FIF=secret/s.tif&JTL=2,0"}) {
            HttpResponse<byte[]> first = staff.get(url);
            assertEquals(200, first.statusCode(), url);
            String cacheControl = first.headers().firstValue("Cache-Control").orElse("");
            assertEquals("private, max-age=86400", cacheControl, url);
            assertTrue(first.headers().allValues("Vary").toString().contains("Cookie"), url);
            // Now in the tile store: the same URL without the login.
            Http.Reply again = Http.get(url);
            assertEquals(401, again.status(), url);
            assertTrue(again.contentType().startsWith("text/plain"), url);
            assertEquals("no-cache", again.header("Cache-Control"), url);
            // Nor a 304 for a copy somebody else's browser kept.
            assertEquals(401, Http.get(url, "If-Modified-Since", first.headers().firstValue("Last-Modified")
                    .orElseThrow()).status(), url);
        }
    }

    @Test
    void imagesNobodyMaySeeAreRefusedAndNotListed() throws Exception {
        Session staff = Session.login("staff");
        Session reader = Session.login("reader");
        assertEquals(401, Http.get(iip + "FIF=secret/s.tif&OBJ=Max-size").status());
        assertEquals(403, reader.get(iip + "FIF=secret/s.tif&OBJ=Max-size").statusCode());
        assertEquals(401, Http.get(base + "/deepzoom/secret/s.tif.dzi").status());
        assertEquals(401, Http.get(base + "/zoomify/secret/s.tif/ImageProperties.xml").status());
        assertEquals(401, Http.get(base + "/iiif/secret/s.tif/full/max/0/default.jpg").status());
        // info.json is metadata, not pixels: served, with the way to log in.
        Http.Reply info = Http.get(base + "/iiif/secret/s.tif/info.json");
        assertEquals(200, info.status());
        assertTrue(info.text().contains("AuthProbeService2"));

        assertFalse(Http.get(base + "/list/secret/").text().contains("s.tif"));
        assertTrue(staff.text(base + "/list/secret/").contains("\"secret/s.tif\""));
        String restricted = Http.get(base + "/list/restricted/").text();
        assertTrue(restricted.contains("\"width\":250"), "the size anonymous callers get: " + restricted);
    }

    @Test
    void openImagesAreAsBefore() throws Exception {
        Http.Reply r = Http.get(iip + "FIF=open/o.tif&JTL=0,0");
        assertEquals(200, r.status());
        assertEquals("max-age=86400", r.header("Cache-Control"));
        assertNull(r.header("Vary"));
        assertEquals(304, Http.get(iip + "FIF=open/o.tif&JTL=0,0", "If-Modified-Since", r.header("Last-Modified"))
                .status());
        assertFalse(Http.get(base + "/iiif/open/o.tif/info.json").text().contains("AuthProbeService2"));
    }

    @Test
    void tokensStandForTheSessionsLoginUntilLogout() throws Exception {
        String probe = base + "/auth/probe/" + BIG;
        String anonymous = Http.get(probe).text();
        assertEquals(200, Http.get(probe).status(), "a probe always answers 200");
        assertTrue(anonymous.contains("\"status\": 401"), anonymous);
        assertTrue(anonymous.contains("\"substitute\": [ { \"id\": \"" + base + "/iiif/" + BIG
                + "~max256\", \"type\": \"ImageService3\" } ]"), anonymous);
        assertTrue(anonymous.contains("\"heading\""), anonymous);
        assertEquals("no-store", Http.get(probe).header("Cache-Control"));

        assertEquals("!missingAspect", new Session().token(origin()), "no login, no token");
        Session staff = Session.login("staff");
        assertEquals("!invalidOrigin", staff.token("https://elsewhere.example"));
        String token = staff.token(origin());
        assertFalse(token.startsWith("!"), token);

        // The token alone, without the session's cookie: the probe and the images take it.
        String withToken = Http.get(probe, "Authorization", "Bearer " + token).text();
        assertTrue(withToken.contains("\"status\": 200") && !withToken.contains("substitute"), withToken);
        assertEquals(200, Http.get(base + "/iiif/" + BIG + "/0,0,256,256/256,256/0/default.jpg", "Authorization",
                "Bearer " + token).status());
        assertTrue(Http.get(probe, "Authorization", "Bearer nonsense").text().contains("\"status\": 401"));
        // The session's cookie alone.
        assertTrue(staff.text(probe).contains("\"status\": 200"));
        String reader = Session.login("reader").text(probe);
        assertTrue(reader.contains("\"status\": 403") && reader.contains("~max512"), reader);
        assertTrue(Http.get(base + "/auth/probe/secret/s.tif").text().contains("\"status\": 401"));
        assertFalse(Http.get(base + "/auth/probe/secret/s.tif").text().contains("substitute"), "no smaller tier");
        assertTrue(Http.get(base + "/auth/probe/open/o.tif").text().contains("\"status\": 200"));
        assertTrue(Http.get(base + "/auth/probe/missing.tif").text().contains("\"status\": 404"));

        String loggedOut = staff.text(base + "/auth/logout");
        assertTrue(loggedOut.contains("logged out"), loggedOut);
        assertTrue(Http.get(probe, "Authorization", "Bearer " + token).text().contains("\"status\": 401"),
                "the token ended with the session");
        assertTrue(staff.text(probe).contains("\"status\": 401"), "and so did the login");
        assertNotEquals("!missingAspect", Session.login("staff").token(origin()));
    }

    @Test
    void badRulesStopTheStartNamingTheLine() {
        Exception e = assertThrows(Exception.class, () -> TestServer.start(Map.of("FILESYSTEM_PREFIX", images + "/",
                "ACCESS_RULES", "a/** * full; b/** staff 10O")).close());
        String messages = "";
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages += t.getMessage() + "\n";
        }
        assertTrue(messages.contains("ACCESS_RULES line 1 rule 2: '10O' is not a limit"), messages);
    }
}
