package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The viewer as an IIIF Authorization Flow 2.0 client in Debian's Chromium (run with {@code -Pbrowser}):
 * a restricted image is first shown as the 256-pixel substitute the probe names, with the access
 * service's prompt; logging in through the WAR's FORM login in the window the prompt opens gets a
 * token from the token service's frame, the probe then says 200 and the full image is shown, down to
 * its full-resolution tiles; logging out brings the substitute and the prompt back. A login window
 * closed without logging in ends in the token service's error, shown as text.
 */
@Tag("browser")
class ViewerBrowserAuthTest {
    private static final String IMAGE = "restricted/squares.tif";
    private static final String HEADING = "Staff only";
    private static final String CONFIRM = "Log in as staff";
    private static final String LOGOUT = "Log out of the test realm";
    /** An IIIF image request as OpenSeadragon makes them: identifier, region ("full" or x,y,w,h), size. */
    private static final Pattern TILE = Pattern.compile("/iiif/(.+?)/(full|\\d+,\\d+,(\\d+),\\d+)/([^/]+)/0/default\\.jpg$");

    @TempDir
    static Path tmp;
    static TiffWriter.Written source;
    static TestServer server;
    static Chromium chromium;
    static WebDriver driver;

    @BeforeAll
    static void start() throws Exception {
        chromium = Chromium.start();
        driver = chromium.driver;
        Path images = Files.createDirectories(tmp.resolve("images/restricted"));
        source = ViewerBrowserTest.writeSquares(images.resolve("squares.tif"));
        server = TestServer.start(0, "/iip", Map.of("FILESYSTEM_PREFIX", tmp.resolve("images") + "/",
                "ACCESS_RULES", "restricted/** staff full; restricted/** * 256",
                "ACCESS_HEADING", HEADING, "ACCESS_CONFIRM_LABEL", CONFIRM, "ACCESS_LOGOUT_LABEL", LOGOUT));
    }

    @AfterAll
    static void stop() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static Object js(String script, Object... args) {
        return chromium.js(script, args);
    }

    private static WebDriverWait waiting() {
        return new WebDriverWait(driver, Duration.ofSeconds(30));
    }

    private static WebElement byId(String id) {
        return driver.findElement(By.id(id));
    }

    /** Waits for the viewer to have opened what the probe allows (the substitute or the full image) and drawn it. */
    private static void waitOpen(long probeStatus, boolean substitute) throws Exception {
        waitOpened(probeStatus, substitute);
        waitDrawn();
    }

    /** Waits for the viewer to have opened what the probe allows: the substitute or the full image. */
    private static void waitOpened(long probeStatus, boolean substitute) {
        waiting().until(d -> {
            Object ready = js("const s = window.iipViewer; return s.status === 'open' && s.access === arguments[0]"
                    + " && s.substitute === arguments[1];", probeStatus, substitute);
            return Boolean.TRUE.equals(ready) || "failed".equals(js("return window.iipViewer.status;"));
        });
        assertEquals("open", js("return window.iipViewer.status;"), () -> "the viewer failed: "
                + js("return window.iipViewer.error;"));
    }

    private static void waitDrawn() throws Exception {
        try {
            chromium.waitFullyLoaded();
        } catch (TimeoutException e) {
            throw new AssertionError("the viewer did not finish loading (screenshot " + chromium.screenshot("auth-timeout")
                    + "): " + js("return document.getElementById('view-status').textContent + ' '"
                    + " + JSON.stringify(performance.getEntriesByType('resource').slice(-8)"
                    + ".map(e => [e.name, e.responseStatus]));"), e);
        }
    }

    private static List<Long> contentSize() {
        @SuppressWarnings("unchecked")
        List<Number> size = (List<Number>) js("const s = window.iipViewer.viewer.world.getItemAt(0).getContentSize();"
                + "return [s.x, s.y];");
        return List.of(size.get(0).longValue(), size.get(1).longValue());
    }

    /** IIIF tile requests since the last clear: [url, HTTP status] each. */
    @SuppressWarnings("unchecked")
    private static List<List<Object>> tileRequests() {
        List<List<Object>> tiles = new ArrayList<>();
        for (List<Object> r : (List<List<Object>>) js("return performance.getEntriesByType('resource')"
                + ".map(e => [e.name, e.responseStatus]);")) {
            if (TILE.matcher((String) r.get(0)).find()) {
                tiles.add(r);
            }
        }
        return tiles;
    }

    private static void assertAllOk(List<List<Object>> requests, String what) {
        for (List<Object> r : requests) {
            assertEquals(200L, ((Number) r.get(1)).longValue(), what + ": " + r.get(0));
        }
    }

    @Test
    void logsInForTheFullImageAndOutToTheSubstitute() throws Exception {
        driver.get("about:blank");
        driver.get(server.baseUrl() + "/#image=" + IMAGE + "&protocol=iiif");
        js("performance.setResourceTimingBufferSize(100000);");
        // The probe requests' Authorization headers, to check the token itself below.
        js("const fetched = window.fetch; window.probeAuthorization = [];"
                + "window.fetch = (url, init) => { if (String(url).includes('/auth/probe/'))"
                + " window.probeAuthorization.push(init && init.headers && init.headers.Authorization || null);"
                + " return fetched(url, init); };");
        String viewerWindow = driver.getWindowHandle();

        // Anonymous: the probe says 401 and names the 256-pixel tier, which is shown, with the prompt.
        waitOpen(401, true);
        chromium.screenshot("auth-substitute");
        assertTrue(byId("auth").isDisplayed(), "the access prompt");
        assertEquals(HEADING, byId("auth-heading").getText());
        assertEquals(CONFIRM, byId("auth-login").getText());
        assertFalse(byId("auth-logout").isDisplayed(), "no logout before a login");
        assertEquals(List.of(256L, 192L), contentSize(), "the substitute's size");
        List<List<Object>> substituteTiles = tileRequests();
        assertFalse(substituteTiles.isEmpty(), "no tiles of the substitute");
        for (List<Object> r : substituteTiles) {
            assertTrue(((String) r.get(0)).contains("/iiif/" + IMAGE + "~max256/"), r.get(0).toString());
        }
        assertAllOk(substituteTiles, "substitute tile");

        // The access service in a new window: the container's FORM login, which closes itself.
        byId("auth-login").click();
        waiting().until(d -> d.getWindowHandles().size() == 2);
        String loginWindow = driver.getWindowHandles().stream().filter(h -> !h.equals(viewerWindow))
                .findFirst().orElseThrow();
        driver.switchTo().window(loginWindow);
        waiting().until(d -> !d.findElements(By.id("j_username")).isEmpty());
        assertTrue(driver.getCurrentUrl().contains("/auth/login"), driver.getCurrentUrl());
        chromium.screenshot("auth-login-form");
        byId("j_username").sendKeys("staff");
        byId("j_password").sendKeys(TestServer.PASSWORD);
        byId("submit").click();
        waiting().until(d -> d.getWindowHandles().size() == 1);
        driver.switchTo().window(viewerWindow);

        // The token, the probe's 200, the full image.
        js("performance.clearResourceTimings();");
        waitOpen(200, false);
        assertEquals(1L, js("return window.iipViewer.tokens;"), "the access token held");
        // The probe was asked with the token, which on its own (no cookie) gives the full image.
        String authorization = (String) js("return window.probeAuthorization[window.probeAuthorization.length - 1];");
        assertTrue(authorization != null && authorization.startsWith("Bearer "), "the probe's header: " + authorization);
        String probe = server.baseUrl() + "/auth/probe/" + IMAGE;
        assertTrue(Http.get(probe, "Authorization", authorization).text().contains("\"status\": 200"),
                "the token alone");
        assertTrue(Http.get(probe).text().contains("\"status\": 401"), "no token, no cookie");
        assertEquals(List.of(2048L, 1536L), contentSize(), "the full image's size");
        assertFalse(byId("auth").isDisplayed(), "the prompt is gone");
        assertTrue(byId("auth-logout").isDisplayed(), "the logout button");
        assertEquals(LOGOUT, byId("auth-logout").getText());
        chromium.screenshot("auth-full-home");
        for (int i = 0; i < 2; i++) {
            js("window.iipViewer.viewer.viewport.zoomBy(2, null, true);");
            chromium.waitFullyLoaded();
        }
        Path shot = chromium.screenshot("auth-full-zoomed");
        List<List<Object>> fullTiles = tileRequests();
        assertAllOk(fullTiles, "full image tile");
        int fullResolution = 0;
        for (List<Object> r : fullTiles) {
            Matcher m = TILE.matcher((String) r.get(0));
            assertTrue(m.find() && m.group(1).equals(IMAGE), "a tile of the image itself: " + r.get(0));
            if (m.group(3) != null && m.group(4).startsWith(m.group(3) + ",")) { // region width = size width
                fullResolution++;
            }
        }
        assertTrue(fullResolution >= 4, "full-resolution tiles: " + fullResolution + " of " + fullTiles);
        String compared = ViewerBrowserTest.assertCanvasShows(chromium, source, "full image after login", shot);
        System.out.printf("auth: %d substitute tiles, %d tiles after login (%d at full resolution), %s%n",
                substituteTiles.size(), fullTiles.size(), fullResolution, compared);

        // Logout: its page in a new window, the token dropped, the probe's 401, the substitute again.
        byId("auth-logout").click();
        waiting().until(d -> d.getWindowHandles().size() == 2);
        waitOpened(401, true);
        assertEquals(0L, js("return window.iipViewer.tokens;"), "the token is dropped");
        assertTrue(Http.get(probe, "Authorization", authorization).text().contains("\"status\": 401"),
                "the token is no longer valid");
        // The user reads the logout page and comes back: a window in the background draws nothing.
        String logoutWindow = driver.getWindowHandles().stream().filter(h -> !h.equals(viewerWindow))
                .findFirst().orElseThrow();
        driver.switchTo().window(logoutWindow);
        assertTrue(driver.getCurrentUrl().contains("/auth/logout"), driver.getCurrentUrl());
        assertTrue(driver.getPageSource().contains("logged out"), driver.getPageSource());
        driver.close();
        driver.switchTo().window(viewerWindow);
        waitDrawn();
        assertTrue(byId("auth").isDisplayed(), "the access prompt again");
        assertEquals(HEADING, byId("auth-heading").getText());
        assertFalse(byId("auth-logout").isDisplayed(), "no logout after it");
        assertEquals(List.of(256L, 192L), contentSize(), "the substitute's size again");
        chromium.screenshot("auth-logged-out");
    }

    @Test
    void aLoginWindowClosedWithoutLoggingInGetsTheTokenServicesError() throws Exception {
        driver.get("about:blank");
        driver.get(server.baseUrl() + "/#image=" + IMAGE + "&protocol=iiif");
        String viewerWindow = driver.getWindowHandle();
        waitOpen(401, true);
        byId("auth-login").click();
        waiting().until(d -> d.getWindowHandles().size() == 2);
        for (String handle : driver.getWindowHandles()) {
            if (!handle.equals(viewerWindow)) {
                driver.switchTo().window(handle).close();
            }
        }
        driver.switchTo().window(viewerWindow);
        // AuthAccessTokenError2 with profile missingAspect: no token, the substitute and the prompt stay.
        waiting().until(d -> !byId("auth-error").getText().isEmpty());
        chromium.screenshot("auth-token-error");
        assertTrue(byId("auth-error").getText().contains("missingAspect"), byId("auth-error").getText());
        assertEquals(0L, js("return window.iipViewer.tokens;"));
        assertTrue(byId("auth").isDisplayed(), "the access prompt");
        assertTrue(byId("auth-login").isEnabled(), "the login button, for another try");
        assertEquals(List.of(256L, 192L), contentSize(), "the substitute's size");
    }
}
