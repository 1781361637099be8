package io.github.iipservlet.containers;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.Jp2Writer;
import io.github.iipservlet.testsupport.TestImages;
import io.github.iipservlet.testsupport.TiffWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every container must serve from the deployed WAR: one request or two per protocol (IIP,
 * IIIF, DeepZoom, Zoomify) on a 1000x700 pyramid of 256x256 JPEG tiles, the configuration the
 * container passed in (FILESYSTEM_PREFIX, and MAX_CVT replacing web.xml's 5000), the
 * X-Forwarded headers of config/nginx/iip.conf reaching the webapp, and IIP's CTW and CNV with
 * raw brackets in the query, as viewers send them.
 */
final class ServedProtocols {
    static final String IMAGE = "test.tif";
    /** A JPEG2000 copy (untiled codestream, 5 levels): decoded by libopenjp2 where installed, else JJ2000. */
    static final String JP2 = "test.jp2";
    /** MAX_CVT in the config/ examples: info.json's maxWidth shows the container's value won over web.xml's. */
    static final int MAX_CVT = 4000;

    private ServedProtocols() {
    }

    /** target/containers/images/test.tif, written once per run. */
    static synchronized Path images() throws IOException {
        Path dir = Setup.containersDir().resolve("images");
        if (!Files.exists(dir.resolve(IMAGE))) {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(IMAGE + ".part");
            TiffWriter.builder().size(1000, 700).compression(TiffWriter.Compression.JPEG)
                    .photometric(TiffWriter.Photometric.YCBCR_JPEG).write(tmp);
            Files.move(tmp, dir.resolve(IMAGE));
        }
        if (!Files.exists(dir.resolve(JP2))) {
            Path tmp = dir.resolve(JP2 + ".part");
            Jp2Writer.builder().size(500, 350).channels(3).levels(5).untiled().write(tmp);
            Files.move(tmp, dir.resolve(JP2));
        }
        return dir;
    }

    /** The request that shows the webapp is up and reads FILESYSTEM_PREFIX. */
    static String probeUrl(String webapp) {
        return webapp + "/fcgi-bin/iipsrv.fcgi?FIF=" + IMAGE + "&OBJ=Max-size";
    }

    static void check(String webapp) {
        String iip = webapp + "/fcgi-bin/iipsrv.fcgi?";
        assertAll(
                () -> assertTrue(text(probeUrl(webapp)).contains("Max-size:1000 700"), "IIP OBJ=Max-size"),
                () -> {
                    BufferedImage tile = image(iip + "FIF=" + IMAGE + "&JTL=2,0", 256, 256);
                    for (int c = 0; c < 3; c++) {
                        int expected = TestImages.expectedRgb(100, 100, c);
                        int actual = (tile.getRGB(100, 100) >> (16 - 8 * c)) & 0xff;
                        assertTrue(Math.abs(expected - actual) <= 12,
                                "JTL=2,0 pixel (100,100) channel " + c + ": " + actual + ", expected " + expected);
                    }
                },
                () -> image(iip + "FIF=" + IMAGE + "&JTL=0,0", 250, 175),
                () -> {
                    String info = text(webapp + "/iiif/" + IMAGE + "/info.json");
                    assertTrue(hasMember(info, "id", "\"" + webapp + "/iiif/" + IMAGE + "\""), "IIIF id: " + info);
                    assertTrue(hasMember(info, "width", "1000"), "IIIF width: " + info);
                    assertTrue(hasMember(info, "height", "700"), "IIIF height: " + info);
                    assertTrue(hasMember(info, "maxWidth", Integer.toString(MAX_CVT)),
                            "IIIF maxWidth from the container's MAX_CVT: " + info);
                },
                () -> image(webapp + "/iiif/" + IMAGE + "/256,256,256,256/max/0/default.jpg", 256, 256),
                () -> image(webapp + "/iiif/" + IMAGE + "/full/250,/0/default.jpg", 250, 175),
                () -> {
                    String dzi = text(webapp + "/deepzoom/" + IMAGE + ".dzi");
                    assertTrue(dzi.contains("Width=\"1000\"") && dzi.contains("Height=\"700\""), "DeepZoom: " + dzi);
                    assertEquals(dzi, text(iip + "DeepZoom=" + IMAGE + ".dzi"), "DeepZoom query form");
                },
                () -> image(webapp + "/deepzoom/" + IMAGE + "_files/10/0_0.jpg", 256, 256),
                () -> image(webapp + "/deepzoom/" + IMAGE + "_files/8/0_0.jpg", 250, 175),
                () -> {
                    String props = text(webapp + "/zoomify/" + IMAGE + "/ImageProperties.xml");
                    assertTrue(props.contains("WIDTH=\"1000\"") && props.contains("HEIGHT=\"700\""),
                            "Zoomify: " + props);
                    assertEquals(props, text(iip + "Zoomify=" + IMAGE + "/ImageProperties.xml"), "Zoomify query form");
                },
                () -> image(webapp + "/zoomify/" + IMAGE + "/TileGroup0/0-0-0.jpg", 250, 175),
                () -> image(webapp + "/zoomify/" + IMAGE + "/TileGroup0/2-3-2.jpg", 232, 188),
                // The other encoders and the native decoders: WebP (bundled libwebp), PNG, JPEG2000.
                () -> image(webapp + "/iiif/" + IMAGE + "/full/250,/0/default.webp", 250, 175),
                () -> image(webapp + "/iiif/" + JP2 + "/full/250,/0/default.png", 250, 175),
                () -> image(iip + "FIF=" + JP2 + "&JTL=4,0", 250, 175),
                () -> checkForwardedHeaders(webapp),
                () -> checkRawBrackets(webapp));
    }

    /**
     * CTW and CNV with raw {@code [} and {@code ]} on the wire, as IIP clients send them: the
     * container must hand them to the webapp (Tomcat only with relaxedQueryChars="[]",
     * config/tomcat/server.xml), and the twist must apply: CTW=[0,0,1;0,1,0;1,0,0] swaps red and
     * blue, pixel for pixel, against the same request without it.
     */
    private static void checkRawBrackets(String webapp) throws Exception {
        String iip = URI.create(webapp).getPath() + "/fcgi-bin/iipsrv.fcgi?FIF=" + IMAGE;
        BufferedImage plain = rawPng(webapp, iip + "&WID=64&CVT=png");
        BufferedImage twisted = rawPng(webapp, iip + "&CTW=[0,0,1;0,1,0;1,0,0]&WID=64&CVT=png");
        assertEquals(plain.getWidth() + "x" + plain.getHeight(), twisted.getWidth() + "x" + twisted.getHeight(),
                "CTW output size");
        int widestRedBlueGap = 0;
        for (int y = 0; y < plain.getHeight(); y++) {
            for (int x = 0; x < plain.getWidth(); x++) {
                int p = plain.getRGB(x, y);
                int t = twisted.getRGB(x, y);
                int[] expected = {p & 0xff, (p >> 8) & 0xff, (p >> 16) & 0xff};
                int[] actual = {(t >> 16) & 0xff, (t >> 8) & 0xff, t & 0xff};
                for (int c = 0; c < 3; c++) {
                    if (Math.abs(expected[c] - actual[c]) > 1) {
                        throw new AssertionError("CTW=[0,0,1;0,1,0;1,0,0] pixel (" + x + "," + y + ") channel " + c
                                + ": " + actual[c] + ", expected " + expected[c] + " (red and blue of the plain"
                                + " reply swapped)");
                    }
                }
                widestRedBlueGap = Math.max(widestRedBlueGap, Math.abs(expected[0] - expected[2]));
            }
        }
        assertTrue(widestRedBlueGap >= 64, "the image has pixels whose red and blue differ (else a swap shows nothing)");
        BufferedImage sharpened = rawPng(webapp, iip + "&CNV=[0,-1,0,-1,5,-1,0,-1,0]&WID=64&CVT=png");
        assertEquals(plain.getWidth(), sharpened.getWidth(), "CNV output width");
    }

    /** A PNG asked with the target exactly as given on the wire (RawHttp). */
    private static BufferedImage rawPng(String webapp, String target) throws Exception {
        Http.Reply r = RawHttp.get(webapp, target);
        assertEquals(200, r.status(), target + ": " + r.text());
        assertEquals("image/png", r.contentType(), target);
        BufferedImage img = r.image();
        assertEquals(64, img.getWidth(), target);
        return img;
    }

    /**
     * The headers config/nginx/iip.conf sets, as nginx would fill them for
     * https://images.example.org/images/iip/..., sent straight to the container: the IIIF id must
     * be the public URL, so the container passes them through and the webapp honours them.
     */
    private static void checkForwardedHeaders(String webapp) throws Exception {
        Map<String, String> nginxVariables = Map.of("$scheme", "https", "$host", "images.example.org",
                "$server_port", "443");
        String conf = Files.readString(Setup.example("nginx/iip.conf"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^\\s*proxy_set_header\\s+(X-Forwarded-[\\w-]+)\\s+(\\S+);").matcher(conf);
        List<String> headers = new ArrayList<>();
        while (m.find()) {
            headers.add(m.group(1));
            headers.add(nginxVariables.getOrDefault(m.group(2), m.group(2)));
        }
        assertEquals(8, headers.size(), "X-Forwarded-Proto, -Host, -Port and -Prefix in config/nginx/iip.conf");
        Http.Reply r = Http.get(webapp + "/iiif/" + IMAGE + "/info.json", headers.toArray(String[]::new));
        assertEquals(200, r.status(), "info.json behind the proxy");
        String publicId = "https://images.example.org/images" + Container.CONTEXT_PATH + "/iiif/" + IMAGE;
        assertTrue(hasMember(r.text(), "id", "\"" + publicId + "\""), "IIIF id behind nginx: " + r.text());
    }

    /**
     * {@code /metrics} (docs/operations.md "Metrics"), which every container here turns on with the
     * environment variable METRICS=1 ({@link #METRICS}): Prometheus text format, the requests of
     * {@link #check} counted under their protocols, renders timed, and the JVM's meters. Called
     * after a full collection: the collection's pause must show, so the webapp's listener on the
     * JVM's garbage collectors works in this container (and the undeploy must remove it again, or
     * the class loader stays).
     */
    static void checkMetrics(String webapp) throws Exception {
        String text = "";
        long deadline = System.nanoTime() + 10_000_000_000L;
        do {
            Http.Reply r = Http.get(webapp + "/metrics");
            assertEquals(200, r.status(), "/metrics: " + r.text());
            // As the webapp sets it; Tomcat writes it without the spaces.
            assertEquals("text/plain;version=0.0.4;charset=utf-8", r.contentType().replace(" ", ""), "/metrics");
            text = r.text();
            // The collection's notification comes on a JVM thread of its own, a moment after it.
        } while (!text.contains("\njvm_gc_pause_seconds_count{") && System.nanoTime() < deadline && pause());
        String all = text;
        assertAll(
                () -> assertTrue(all.contains("\n# TYPE iip_requests_total counter\n"), "/metrics:\n" + all),
                () -> assertTrue(all.contains("\n# TYPE iip_render_seconds histogram\n"), "/metrics:\n" + all),
                () -> assertTrue(sample(all, "iip_requests_total{protocol=\"iip\",status=\"200\"}") >= 5, "IIP"),
                () -> assertTrue(sample(all, "iip_requests_total{protocol=\"iiif\",status=\"200\"}") >= 4, "IIIF"),
                () -> assertTrue(sample(all, "iip_requests_total{protocol=\"deepzoom\",status=\"200\"}") >= 3,
                        "DeepZoom"),
                () -> assertTrue(sample(all, "iip_requests_total{protocol=\"zoomify\",status=\"200\"}") >= 4,
                        "Zoomify"),
                () -> assertTrue(sample(all, "iip_served_bytes_total{protocol=\"iip\"}") > 0, "bytes served"),
                () -> assertTrue(sample(all, "iip_render_seconds_count{kind=\"region\"}") > 0, "regions timed"),
                () -> assertTrue(sample(all, "iip_render_seconds_count{kind=\"tile\"}")
                        + sample(all, "iip_render_seconds_count{kind=\"passthrough\"}") > 0, "tiles timed"),
                () -> assertTrue(sample(all, "iip_tile_store_misses_total{tier=\"ehcache\"}") > 0, "tile store"),
                () -> assertTrue(sample(all, "iip_open_images") >= 1, "open images"),
                () -> assertTrue(all.contains("\njvm_memory_used_bytes{"), "JVM memory"),
                () -> assertTrue(all.contains("\njvm_threads_live_threads "), "JVM threads"),
                () -> assertTrue(all.contains("\njvm_classes_loaded_classes "), "JVM classes"),
                () -> assertTrue(all.contains("\nsystem_cpu_count "), "processors"),
                // Both need com.sun.management (WildFly: the manifest's Dependencies: jdk.management).
                () -> assertTrue(all.contains("\nprocess_cpu_usage "), "process CPU (com.sun.management)"),
                () -> assertTrue(all.contains("\njvm_gc_pause_seconds_count{"),
                        "no garbage collection pause after a full collection (com.sun.management):\n" + all));
    }

    /** The environment variable that turns /metrics on in every container here. */
    static final Map<String, String> METRICS = Map.of("METRICS", "1");

    private static boolean pause() {
        try {
            Thread.sleep(200);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The value of one sample, named with its labels as Micrometer writes them (sorted); absent fails. */
    private static double sample(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no " + series + " in /metrics:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    /** Whether the JSON text has {@code "name" : value} (any spacing around the colon). */
    private static boolean hasMember(String json, String name, String value) {
        return Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*" + Pattern.quote(value) + "(?![\\w.])")
                .matcher(json).find();
    }

    private static String text(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), url + ": " + r.text());
        return r.text();
    }

    private static BufferedImage image(String url, int width, int height) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), url + ": " + r.text());
        // Exactly: no charset (Undertow used to add one to forwarded replies: FrontServlet.StreamOnlyResponse).
        String type = url.endsWith(".webp") ? "image/webp" : url.endsWith(".png") ? "image/png" : "image/jpeg";
        assertEquals(type, r.contentType(), url);
        BufferedImage img = r.image();
        assertEquals(width + "x" + height, img.getWidth() + "x" + img.getHeight(), url);
        return img;
    }
}
