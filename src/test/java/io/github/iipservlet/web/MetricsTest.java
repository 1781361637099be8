package io.github.iipservlet.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.testsupport.Http;
import io.github.iipservlet.testsupport.TestServer;
import io.github.iipservlet.testsupport.TiffWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.util.security.Credential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics (docs/operations.md "Metrics"): off by default, the meters moving with real requests, the role. */
class MetricsTest {
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @TempDir
    Path dir;

    private TestServer server(Map<String, String> extra) throws Exception {
        return server(extra, webapp -> { });
    }

    private TestServer server(Map<String, String> extra, java.util.function.Consumer<WebAppContext> customizer)
            throws Exception {
        // Tiles stored as JPEG, so a plain JTL of a whole tile passes it through, and anything else
        // decodes them. Levels 1024x512, 512x256 (two whole tiles: resolution 1) and 256x128.
        TiffWriter.builder().size(1024, 512).tile(256, 256).channels(3).compression(TiffWriter.Compression.JPEG)
                .pixels((x, y, c) -> (x + y * c) % 256).write(dir.resolve("m.tif"));
        Map<String, String> config = new HashMap<>(extra);
        config.put("FILESYSTEM_PREFIX", dir + "/");
        return TestServer.start(0, "/", config, customizer);
    }

    @Test
    void offByDefault() throws Exception {
        try (TestServer s = server(Map.of())) {
            assertEquals(200, Http.get(s.iipUrl() + "?FIF=m.tif&JTL=1,0").status());
            Http.Reply r = Http.get(s.baseUrl() + "/metrics");
            assertEquals(404, r.status());
            assertEquals("Not found", r.text());
            assertEquals(404, Http.get(s.baseUrl() + "/metrics").status(), "still absent after requests");
        }
        try (TestServer s = server(Map.of("METRICS", "0"))) {
            assertEquals(404, Http.get(s.baseUrl() + "/metrics").status(), "METRICS=0 is off");
        }
    }

    @Test
    void countsRequestsRendersTileStoreAndBytes() throws Exception {
        try (TestServer s = server(Map.of("METRICS", "1"))) {
            Http.Reply first = Http.get(s.baseUrl() + "/metrics");
            assertEquals(200, first.status(), first.text());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", first.contentType());
            assertEquals("no-cache", first.header("Cache-Control"));
            Map<String, Double> before = samples(first.text());
            assertEquals(0, value(before, "iip_open_images"));
            assertTrue(value(before, "iip_memory_budget_bytes") > 0);
            assertEquals(0, value(before, "iip_tile_store_hits_total{tier=\"ehcache\"}"));

            long iipBytes = 0;
            // Two tiles passed through as stored, a PNG tile decoded and encoded, a IIIF region, a
            // tile again (from the tile store: no render), a missing image.
            iipBytes += ok(s.iipUrl() + "?FIF=m.tif&JTL=1,0");
            iipBytes += ok(s.iipUrl() + "?FIF=m.tif&JTL=1,1");
            iipBytes += ok(s.iipUrl() + "?FIF=m.tif&PTL=1,0");
            long iiifBytes = ok(s.baseUrl() + "/iiif/m.tif/0,0,300,200/150,/0/default.jpg");
            iipBytes += ok(s.iipUrl() + "?FIF=m.tif&JTL=1,0");
            Http.Reply missing = Http.get(s.iipUrl() + "?FIF=none.tif&JTL=1,0");
            assertEquals(404, missing.status());
            iipBytes += missing.body().length;
            // HEAD: counted, but sends no body.
            assertEquals(200, Http.send("HEAD", s.iipUrl() + "?FIF=m.tif&JTL=1,1", null).status());

            String text = Http.get(s.baseUrl() + "/metrics").text();
            for (String type : new String[] {"# TYPE iip_requests_total counter", "# TYPE iip_served_bytes_total counter",
                    "# TYPE iip_render_seconds histogram", "# TYPE iip_tile_store_hits_total counter",
                    "# TYPE iip_tile_store_misses_total counter", "# TYPE iip_open_images gauge",
                    "# TYPE iip_native_handles gauge", "# TYPE iip_native_buffers gauge",
                    "# TYPE iip_native_memory_bytes gauge", "# TYPE iip_memory_budget_bytes gauge",
                    "# TYPE iip_memory_budget_used_bytes gauge", "# TYPE iip_renders_waiting gauge",
                    "# TYPE iip_renders_abandoned_total counter", "# TYPE jvm_memory_used_bytes gauge",
                    "# TYPE jvm_threads_live_threads gauge", "# TYPE jvm_classes_loaded_classes gauge",
                    "# TYPE system_cpu_count gauge", "# HELP iip_requests_total "}) {
                assertTrue(text.contains(type + (type.endsWith(" ") ? "" : "\n")), type + " in:\n" + text);
            }
            Map<String, Double> after = samples(text);
            assertEquals(5, delta(before, after, "iip_requests_total{protocol=\"iip\",status=\"200\"}"));
            assertEquals(1, delta(before, after, "iip_requests_total{protocol=\"iip\",status=\"404\"}"));
            assertEquals(1, delta(before, after, "iip_requests_total{protocol=\"iiif\",status=\"200\"}"));
            assertEquals(1, delta(before, after, "iip_requests_total{protocol=\"other\",status=\"200\"}"),
                    "the first scrape");
            assertEquals(iipBytes, delta(before, after, "iip_served_bytes_total{protocol=\"iip\"}"));
            assertEquals(iiifBytes, delta(before, after, "iip_served_bytes_total{protocol=\"iiif\"}"));
            assertEquals(2, delta(before, after, "iip_render_seconds_count{kind=\"passthrough\"}"));
            assertEquals(1, delta(before, after, "iip_render_seconds_count{kind=\"tile\"}"));
            assertEquals(1, delta(before, after, "iip_render_seconds_count{kind=\"region\"}"));
            assertTrue(delta(before, after, "iip_render_seconds_sum{kind=\"region\"}") > 0);
            assertEquals(2, delta(before, after, "iip_render_seconds_bucket{kind=\"passthrough\",le=\"+Inf\"}"));
            // The repeated JTL and the HEAD of the second one came from the tile store; the four
            // first renders missed it.
            assertEquals(2, delta(before, after, "iip_tile_store_hits_total{tier=\"ehcache\"}"));
            assertEquals(4, delta(before, after, "iip_tile_store_misses_total{tier=\"ehcache\"}"));
            assertEquals(4, value(after, "iip_tile_store_entries{tier=\"ehcache\"}"));
            assertTrue(value(after, "iip_tile_store_bytes{tier=\"ehcache\"}") > 0);
            assertEquals(1, value(after, "iip_tile_store_reachable{tier=\"ehcache\"}"));
            assertEquals(1, value(after, "iip_open_images"));
            assertEquals(0, value(after, "iip_renders_waiting"));
            assertEquals(0, value(after, "iip_memory_budget_used_bytes"));
            // The same figures /health reports.
            String health = s.health();
            assertEquals(TestServer.healthNumber(health, "hits"),
                    (long) value(after, "iip_tile_store_hits_total{tier=\"ehcache\"}"));
            assertEquals(TestServer.healthNumber(health, "misses"),
                    (long) value(after, "iip_tile_store_misses_total{tier=\"ehcache\"}"));
        }
    }

    @Test
    void aRoleKeepsOthersOut() throws Exception {
        try (TestServer s = server(Map.of("METRICS", "metrics-reader"))) {
            Http.Reply r = Http.get(s.baseUrl() + "/metrics");
            assertEquals(403, r.status(), "an unauthenticated caller");
            assertEquals("Forbidden", r.text());
            assertFalse(r.text().contains("iip_"));
        }
    }

    /** As an administrator sets it up: the container authenticates, the role decides. */
    @Test
    void aUserInTheRoleIsLetIn() throws Exception {
        try (TestServer s = server(Map.of("METRICS", "metrics-reader"), MetricsTest::basicAuthentication)) {
            assertEquals(401, Http.get(s.baseUrl() + "/metrics").status(), "the container asks who it is");
            assertEquals(403, Http.get(s.baseUrl() + "/metrics", "Authorization", basic("viewer")).status(),
                    "a user without the role");
            Http.Reply r = Http.get(s.baseUrl() + "/metrics", "Authorization", basic("scraper"));
            assertEquals(200, r.status(), r.text());
            assertTrue(r.text().contains("# TYPE iip_requests_total counter"), r.text());
            // The role is for /metrics only: images need no login.
            assertEquals(200, Http.get(s.iipUrl() + "?FIF=m.tif&JTL=1,0").status());
        }
    }

    /**
     * As docs/operations.md "Metrics" says: an override descriptor with a security constraint on
     * /metrics and BASIC login (replacing the WAR's FORM login), and two users in the realm.
     */
    private static void basicAuthentication(WebAppContext webapp) {
        UserStore users = new UserStore();
        users.addUser("scraper", Credential.getCredential("pw"), new String[] {"metrics-reader"});
        users.addUser("viewer", Credential.getCredential("pw"), new String[] {"viewer"});
        HashLoginService login = new HashLoginService("metrics");
        login.setUserStore(users);
        webapp.getSecurityHandler().setLoginService(login);
        try {
            Path override = Files.createTempFile("metrics-override", ".xml");
            override.toFile().deleteOnExit();
            Files.writeString(override, """
                    <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                      <security-constraint>
                        <web-resource-collection>
                          <web-resource-name>metrics</web-resource-name>
                          <url-pattern>/metrics</url-pattern>
                        </web-resource-collection>
                        <auth-constraint><role-name>**</role-name></auth-constraint>
                      </security-constraint>
                      <login-config><auth-method>BASIC</auth-method><realm-name>metrics</realm-name></login-config>
                    </web-app>
                    """);
            webapp.setOverrideDescriptor(override.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String basic(String user) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":pw").getBytes(StandardCharsets.UTF_8));
    }

    /** A 200 reply's body length. */
    private static long ok(String url) throws Exception {
        Http.Reply r = Http.get(url);
        assertEquals(200, r.status(), url + ": " + r.text());
        assertEquals(Long.toString(r.body().length), r.header("Content-Length"), url);
        return r.body().length;
    }

    /** Each sample of a Prometheus text reply, keyed by name and its labels in name order. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> samples = new TreeMap<>();
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) {
            String key = m.group(1);
            if (m.group(2) != null) {
                Map<String, String> labels = new TreeMap<>();
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
                StringBuilder b = new StringBuilder("{");
                labels.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append(k).append("=\"").append(v)
                        .append('"'));
                key += b.append('}');
            }
            samples.put(key, Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    private static double value(Map<String, Double> samples, String key) {
        Double v = samples.get(key);
        if (v == null) {
            throw new AssertionError("no sample " + key + " among " + samples.keySet());
        }
        return v;
    }

    /** How much a sample grew; a sample not there before counts from 0. */
    private static double delta(Map<String, Double> before, Map<String, Double> after, String key) {
        return value(after, key) - before.getOrDefault(key, 0.0);
    }
}
