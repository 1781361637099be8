package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The viewer page in Debian's Chromium (run with {@code -Pbrowser}): for each protocol the page
 * opens a pyramid of coloured 100-pixel squares under a non-root context path, is zoomed in twice,
 * and then must have fetched its tiles with 200 only and show, at points across the canvas, the
 * colours the source has at the image coordinates OpenSeadragon maps those points to. Screenshots
 * per protocol, of the whole image and zoomed in, are kept in target/browser-screenshots/.
 */
@Tag("browser")
class ViewerBrowserTest {
    private static final String IMAGE = "pics/squares.tif";
    private static final int SQUARE = 100;
    /** Sample points nearer than this (image pixels) to a square's edge are not compared: JPEG and filtering blur edges. */
    private static final int EDGE_MARGIN = 15;
    /** Per channel: JPEG at quality 75 on flat squares stays far inside this. */
    private static final int TOLERANCE = 40;

    private static final int[][] PALETTE = {{230, 25, 75}, {60, 180, 75}, {255, 225, 25}, {0, 130, 200},
        {245, 130, 48}, {145, 30, 180}, {70, 240, 240}, {240, 50, 230}, {210, 245, 60}, {250, 190, 190},
        {0, 128, 128}, {128, 0, 0}};

    @TempDir
    static Path tmp;
    static TiffWriter.Written source;
    static TestServer server;
    static Chromium chromium;
    static ChromeDriver driver;

    /**
     * The 2048x1536 JPEG pyramid of coloured squares the browser tests show. Powers of two: every
     * protocol's level sizes are then exact halvings, whatever rounding it uses.
     */
    static TiffWriter.Written writeSquares(Path file) throws IOException {
        return TiffWriter.builder().size(2048, 1536).tile(256, 256).levels(4)
                .compression(TiffWriter.Compression.JPEG).photometric(TiffWriter.Photometric.YCBCR_JPEG)
                .pixels(ViewerBrowserTest::colour).write(file);
    }

    static int colour(int x, int y, int c) {
        return PALETTE[Math.floorMod(x / SQUARE * 7 + y / SQUARE * 5, PALETTE.length)][c];
    }

    @BeforeAll
    static void start() throws Exception {
        chromium = Chromium.start();
        driver = chromium.driver;
        Path images = Files.createDirectories(tmp.resolve("images/pics"));
        source = writeSquares(images.resolve("squares.tif"));
        server = TestServer.start(0, "/iip", Map.of("FILESYSTEM_PREFIX", tmp.resolve("images") + "/"));
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

    private static void waitFullyLoaded() {
        chromium.waitFullyLoaded();
    }

    @ParameterizedTest
    @ValueSource(strings = {"iip", "deepzoom", "zoomify", "iiif"})
    void showsTheImageThroughEachProtocol(String protocol) throws Exception {
        driver.get("about:blank");
        driver.get(server.baseUrl() + "/#image=" + IMAGE + "&protocol=" + protocol);
        js("performance.setResourceTimingBufferSize(100000);");
        new WebDriverWait(driver, Duration.ofSeconds(60)).until(d -> {
            Object status = js("return window.iipViewer && window.iipViewer.status;");
            return "open".equals(status) || "failed".equals(status);
        });
        Object error = js("return window.iipViewer.error;");
        if (error != null) {
            screenshot(protocol);
            fail(protocol + ": the viewer did not open the image: " + error);
        }
        waitFullyLoaded();
        screenshot(protocol + "-home");
        for (int i = 0; i < 2; i++) {
            js("window.iipViewer.viewer.viewport.zoomBy(2, null, true);");
            waitFullyLoaded();
        }
        Path shot = screenshot(protocol);

        // (a) Tiles were requested, and every one of them answered 200.
        @SuppressWarnings("unchecked")
        List<List<Object>> requests = (List<List<Object>>) js("return performance.getEntriesByType('resource')"
                + ".map(e => [e.name, e.responseStatus]);");
        List<String> tiles = new ArrayList<>();
        for (List<Object> r : requests) {
            String url = (String) r.get(0);
            if (isTile(protocol, url)) {
                tiles.add(url);
                assertEquals(200L, ((Number) r.get(1)).longValue(), protocol + ": " + url);
            }
        }
        assertTrue(tiles.size() >= 8, protocol + ": only " + tiles.size() + " tile requests: " + requests);
        assertEquals(0L, ((Number) js("return window.iipViewer.failedTiles;")).longValue(), protocol);

        // (b) The canvas shows the source: sampled pixels against the source at the mapped coordinates.
        String compared = assertCanvasShows(chromium, source, protocol, shot);
        System.out.printf("%s: %d tiles, %s%n", protocol, tiles.size(), compared);
    }

    /**
     * Checks the viewer's canvas against a source drawn by {@link #colour}: at points across it, the
     * colour of the image coordinates OpenSeadragon maps them to (away from squares' edges).
     *
     * @return how many points and colours were compared, with which drawer
     */
    static String assertCanvasShows(Chromium chromium, TiffWriter.Written source, String what, Path shot) {
        List<List<Number>> samples = chromium.canvasSamples();
        int compared = 0;
        Set<Integer> coloursSeen = new HashSet<>();
        List<String> mismatches = new ArrayList<>();
        for (List<Number> s : samples) {
            double ix = s.get(2).doubleValue();
            double iy = s.get(3).doubleValue();
            if (ix < 0 || iy < 0 || ix >= source.width(0) || iy >= source.height(0)) {
                continue;
            }
            int x = (int) ix;
            int y = (int) iy;
            if (Math.min(x % SQUARE, SQUARE - 1 - x % SQUARE) < EDGE_MARGIN
                    || Math.min(y % SQUARE, SQUARE - 1 - y % SQUARE) < EDGE_MARGIN) {
                continue;
            }
            compared++;
            int[] expected = new int[3];
            for (int c = 0; c < 3; c++) {
                expected[c] = (int) Math.round(source.sample(0, x, y, c));
            }
            coloursSeen.add(expected[0] << 16 | expected[1] << 8 | expected[2]);
            for (int c = 0; c < 3; c++) {
                if (Math.abs(s.get(4 + c).intValue() - expected[c]) > TOLERANCE || s.get(7).intValue() != 255) {
                    mismatches.add("element (" + s.get(0) + "," + s.get(1) + ") image (" + x + "," + y + "): "
                            + s.subList(4, 8) + " expected " + Arrays.toString(expected));
                    break;
                }
            }
        }
        assertTrue(compared >= 40, what + ": only " + compared + " sample points inside squares");
        assertTrue(coloursSeen.size() >= 6, what + ": the sampled squares hold " + coloursSeen.size() + " colours");
        String drawer = (String) chromium.js("return window.iipViewer.viewer.drawer.getType();");
        assertTrue(mismatches.isEmpty(), what + " (" + drawer + " drawer): " + mismatches.size() + " of "
                + compared + " points differ from the source (screenshot " + shot + "): " + mismatches);
        return compared + " points compared, " + coloursSeen.size() + " colours, " + drawer + " drawer";
    }

    private static boolean isTile(String protocol, String url) {
        return switch (protocol) {
            case "iip" -> url.contains("/fcgi-bin/iipsrv.fcgi?") && url.contains("JTL=");
            case "deepzoom" -> url.contains("/deepzoom/") && url.contains("_files/");
            case "zoomify" -> url.contains("/zoomify/") && url.contains("/TileGroup");
            case "iiif" -> url.contains("/iiif/") && url.endsWith("/default.jpg");
            default -> false;
        };
    }

    private static Path screenshot(String protocol) throws Exception {
        return chromium.screenshot(protocol);
    }
}
