package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its chromedriver, for the viewer's browser tests
 * (-Pbrowser): a fresh profile per instance, removed on close; screenshots kept in
 * target/browser-screenshots/.
 */
final class Chromium implements AutoCloseable {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    final ChromeDriver driver;
    private final Path profile;

    private Chromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Checks what the browser tests need (Chromium, chromedriver, the build's OpenSeadragon) and starts the browser. */
    static Chromium start() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "-Pbrowser needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
        assertTrue(Files.isRegularFile(Path.of("target/viewer-lib/viewer/openseadragon/openseadragon.min.js")),
                "OpenSeadragon is missing: the build's npm ci step did not run");
        Path scratch = Files.createDirectories(Path.of("target/browser-test").toAbsolutePath());
        Path home = Files.createDirectories(scratch.resolve("home"));
        Path profile = Files.createTempDirectory(scratch, "profile");
        // Both programs named explicitly, so Selenium Manager never looks for (or downloads) either.
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withEnvironment(Map.of("HOME", home.toString()))
                .withLogFile(scratch.resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--window-size=1280,1024", "--user-data-dir=" + profile);
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return new Chromium(driver, profile);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Waits until the viewer has every tile its current view needs, and nothing is loading. */
    void waitFullyLoaded() {
        int[] stable = {0};
        new WebDriverWait(driver, Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(100)).until(d -> {
            Object loaded = js("const v = window.iipViewer.viewer; const item = v.world.getItemAt(0);"
                    + "return !!item && item.getFullyLoaded() && v.imageLoader.jobsInProgress === 0"
                    + " && Math.abs(v.viewport.getZoom(false) - v.viewport.getZoom(true)) < 1e-9;");
            // Several polls in a row: a zoom only marks new tiles as needed on the next frame.
            stable[0] = Boolean.TRUE.equals(loaded) ? stable[0] + 1 : 0;
            return stable[0] >= 5;
        });
    }

    /**
     * Points on a 15 x 11 grid across the viewer's canvas: element x, y, the image coordinates
     * OpenSeadragon maps them to, and the canvas's RGBA there.
     */
    @SuppressWarnings("unchecked")
    List<List<Number>> canvasSamples() {
        return (List<List<Number>>) js(
                "const v = window.iipViewer.viewer; const canvas = v.drawer.canvas;"
                + "const ratio = canvas.width / canvas.clientWidth;"
                + "const ctx = canvas.getContext('2d'); const out = [];"
                + "const w = canvas.clientWidth, h = canvas.clientHeight;"
                + "for (let i = 1; i < 16; i++) for (let j = 1; j < 12; j++) {"
                + "  const x = Math.round(w * i / 16), y = Math.round(h * j / 12);"
                + "  const p = v.viewport.viewerElementToImageCoordinates(new OpenSeadragon.Point(x, y));"
                + "  const px = ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data;"
                + "  out.push([x, y, p.x, p.y, px[0], px[1], px[2], px[3]]);"
                + "} return out;");
    }

    /** The current window as target/browser-screenshots/NAME.png. */
    Path screenshot(String name) throws Exception {
        Path dir = Files.createDirectories(Path.of("target/browser-screenshots"));
        File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path target = dir.resolve(name + ".png");
        Files.copy(png.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    @Override
    public void close() throws Exception {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
