package io.github.iipservlet.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.iipservlet.conformance.Comparison.Response;
import io.github.iipservlet.conformance.Comparison.Verdict;
import io.github.iipservlet.testsupport.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Differential conformance against the reference iipsrv: every line of
 * src/test/conformance/cases.txt becomes one dynamic test; the query goes to the reference and to
 * our server and the answers are compared with diffconf.py's rules ({@link Comparison}).
 *
 * <p>Runs only with {@code mvn verify -Pconformance} (needs iipimage-server, lighttpd,
 * libvips-tools, libopenjp2-tools; .ci/run installs them). System properties:
 * <ul>
 *   <li>{@code conformance.ours}: test this server (its IIP endpoint, e.g.
 *       http://127.0.0.1:9102/fcgi-bin/iipsrv.fcgi; a bare http://host:port gets
 *       /fcgi-bin/iipsrv.fcgi appended) instead of starting ours in embedded Jetty. It must serve
 *       the same images (target/conformance-images).
 *   <li>{@code conformance.reference}: compare with these reference endpoints (comma-separated; a
 *       case passes when ours matches any one) instead of starting iipsrv.sh.
 * </ul>
 *
 * <p>Which lines run is decided by {@link #notInScope}; the others are reported as skipped, with
 * the reason, so widening the scope is a one-line change there.
 */
@Tag("conformance")
class ReferenceConformanceTest {
    static final Path CASES = Path.of("src/test/conformance/cases.txt");
    static final Path MAKE_IMAGES = Path.of("src/test/conformance/make-images.sh");
    static final Path IMAGES = Path.of("target/conformance-images").toAbsolutePath();
    static final List<String> IMAGE_FILES =
            List.of("big.tif", "big_deflate.tif", "big.jp2", "grey16.tif", "lab.tif", "dem_float.tif");

    /** Protocols (the query's first key) checked; IIIF runs as version 2 on both sides (the reference is iipsrv 1.1). */
    static final Set<String> PROTOCOLS_IN_SCOPE = Set.of("FIF", "DeepZoom", "Zoomify", "IIIF");

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(60))
            .build();

    private static ReferenceIipsrv reference;
    private static TestServer ours;
    private static List<String> referenceUrls;
    private static String oursUrl;

    /**
     * Why a case is not checked yet, or empty when it is: in scope are cases whose queries all use
     * a protocol of {@link #PROTOCOLS_IN_SCOPE}.
     */
    static Optional<String> notInScope(ConformanceCase c) {
        for (String q : c.queries()) {
            int eq = q.indexOf('=');
            String protocol = eq > 0 ? q.substring(0, eq) : q;
            if (!PROTOCOLS_IN_SCOPE.contains(protocol)) {
                return Optional.of("protocol " + protocol + " not checked yet (in scope: " + PROTOCOLS_IN_SCOPE + ")");
            }
        }
        return Optional.empty();
    }

    @BeforeAll
    static void startServers() throws Exception {
        makeImages();
        String refProp = System.getProperty("conformance.reference", "").strip();
        if (refProp.isEmpty()) {
            reference = ReferenceIipsrv.start(IMAGES, Path.of("target/conformance-iipsrv.log").toAbsolutePath(),
                    "MAX_IMAGE_CACHE_SIZE=0");
            referenceUrls = List.of(reference.iipUrl());
        } else {
            referenceUrls = Stream.of(refProp.split(",")).map(String::strip).map(ReferenceConformanceTest::endpoint)
                    .toList();
        }
        String oursProp = System.getProperty("conformance.ours", "").strip();
        if (oursProp.isEmpty()) {
            ours = TestServer.start(Map.of("FILESYSTEM_PREFIX", IMAGES + "/", "CORS", "*", "IIIF_VERSION", "2"));
            oursUrl = ours.iipUrl();
        } else {
            oursUrl = endpoint(oursProp);
        }
        for (String url : referenceUrls) { // fail early and clearly when the reference is not answering
            Response r = get(url, "FIF=big.tif&OBJ=IIP,1.0");
            if (r.status() != 200) {
                throw new IllegalStateException("reference " + url + " is not answering: " + r.describe());
            }
        }
    }

    @AfterAll
    static void stopServers() throws Exception {
        Exception first = null;
        try {
            if (ours != null) {
                ours.close();
            }
        } catch (Exception e) {
            first = e;
        }
        try {
            if (reference != null) {
                reference.close();
            }
        } catch (Exception e) {
            first = first != null ? first : e;
        }
        ours = null;
        reference = null;
        if (first != null) {
            throw first;
        }
    }

    @TestFactory
    Stream<DynamicTest> cases() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (ConformanceCase c : ConformanceCase.load(CASES)) {
            tests.add(DynamicTest.dynamicTest(c.line(), () -> {
                Optional<String> skip = notInScope(c);
                Assumptions.assumeTrue(skip.isEmpty(), () -> skip.orElse(""));
                check(c);
            }));
        }
        return tests.stream();
    }

    private static void check(ConformanceCase c) throws Exception {
        switch (c.kind()) {
            case IMAGE -> {
                Response o = get(oursUrl, c.query());
                Verdict v = Comparison.checkImage(o, c.mime(), c.size());
                assertTrue(v.ok(), () -> message(c, null, o, v));
                passed(c, v);
            }
            case LIKE -> {
                Response a = get(oursUrl, c.queries().get(0));
                Response b = get(oursUrl, c.queries().get(1));
                Verdict v = Comparison.checkLike(a, b);
                assertTrue(v.ok(), () -> c.line() + "\n  A: " + a.describe() + "\n  B: " + b.describe()
                        + "\n  -- " + v.why());
                passed(c, v);
            }
            case EXPECT -> {
                Response o = get(oursUrl, c.query());
                Verdict v = Comparison.checkExpect(o, c.expectStatus());
                assertTrue(v.ok(), () -> message(c, null, o, v));
                passed(c, v);
            }
            case COMPARE, STATUS_ONLY -> {
                CompletableFuture<Response> mine = getAsync(oursUrl, c.query());
                List<CompletableFuture<Response>> refs =
                        referenceUrls.stream().map(u -> getAsync(u, c.query())).toList();
                Response o = mine.join();
                Verdict v = null;
                Response r = null;
                for (CompletableFuture<Response> f : refs) { // passes when ours matches any reference
                    r = f.join();
                    v = Comparison.compare(c.kind() == ConformanceCase.Kind.STATUS_ONLY, r, o);
                    if (v.ok()) {
                        break;
                    }
                }
                Response ref = r;
                Verdict verdict = v;
                assertTrue(verdict.ok(), () -> message(c, ref, o, verdict));
                passed(c, verdict);
            }
        }
    }

    /** One line per passing case, as diffconf.py -v prints, so CI logs show what was compared. */
    private static void passed(ConformanceCase c, Verdict v) {
        System.out.println("PASS " + c.line() + "  -- " + v.why());
    }

    private static String message(ConformanceCase c, Response ref, Response ours, Verdict v) {
        return c.line() + (ref != null ? "\n  reference: " + ref.describe() : "")
                + "\n  ours:      " + ours.describe() + "\n  -- " + v.why();
    }

    // ---- HTTP ---------------------------------------------------------------------------------

    private static String endpoint(String base) {
        String path = URI.create(base).getRawPath();
        return path == null || path.isEmpty() || "/".equals(path)
                ? base.replaceAll("/+$", "") + "/fcgi-bin/iipsrv.fcgi" : base;
    }

    private static HttpRequest request(String base, String query) {
        return HttpRequest.newBuilder(URI.create(base + "?" + query)).timeout(Duration.ofSeconds(60)).GET().build();
    }

    static Response get(String base, String query) {
        return getAsync(base, query).join();
    }

    /** Never fails: a request that cannot be made gives status -1 with the error as body (as diffconf.py). */
    static CompletableFuture<Response> getAsync(String base, String query) {
        try {
            return HTTP.sendAsync(request(base, query), HttpResponse.BodyHandlers.ofByteArray())
                    .thenApply(r -> new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null),
                            r.body() == null ? new byte[0] : r.body()))
                    .exceptionally(e -> new Response(-1, null, String.valueOf(e).getBytes(StandardCharsets.UTF_8)));
        } catch (RuntimeException e) { // e.g. a query that is no valid URI
            return CompletableFuture.completedFuture(
                    new Response(-1, null, String.valueOf(e).getBytes(StandardCharsets.UTF_8)));
        }
    }

    // ---- images -------------------------------------------------------------------------------

    /** Makes the images with make-images.sh unless all of them are there (about 30 s). */
    static void makeImages() throws IOException, InterruptedException {
        if (IMAGE_FILES.stream().allMatch(ReferenceConformanceTest::present)) {
            return;
        }
        long t0 = System.nanoTime();
        Path partial = IMAGES.resolveSibling(IMAGES.getFileName() + ".partial");
        deleteTree(partial);
        ReferenceIipsrv.run(List.of("bash", MAKE_IMAGES.toString(), partial.toString()),
                IMAGES.resolveSibling("conformance-images.log"), 900);
        deleteTree(IMAGES);
        Files.move(partial, IMAGES, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("conformance: made the images in %s in %d s%n", IMAGES, (System.nanoTime() - t0) / 1_000_000_000L);
    }

    private static boolean present(String name) {
        try {
            return Files.size(IMAGES.resolve(name)) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
