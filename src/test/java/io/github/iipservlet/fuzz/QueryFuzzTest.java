package io.github.iipservlet.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The query fuzzer (issue "Trustworthy under broken files, hostile requests and months of
 * uptime"): the conformance cases mutated by {@link QueryMutator} for all four protocols, in query
 * and path form, by GET, POST and HEAD, sent by a few concurrent clients to our webapp in its own
 * JVM, serving generated images of the names the cases use ({@link FuzzImages}). Runs with
 * {@code mvn verify -Pfuzz}.
 *
 * <p>Fails on: any 5xx (a IIIF 501, "feature not offered", excepted); a reply slower than 10 s; an
 * error body (status 400 or more, or an HTML page) holding a filesystem path, a Java class name or
 * a stack trace; iipsrv's banner page (200 text/html) for a request that names an image which
 * exists; no reply at all; the server dying. Every failure is collected, grouped by symptom, and
 * reported at the end and in target/fuzz/failures.txt (target/fuzz/failures-all.txt lists every
 * one).
 *
 * <p>System properties: {@code fuzz.seed} (default 20240611), {@code fuzz.requests} (20000),
 * {@code fuzz.threads} (3 clients), {@code fuzz.xmx} (the server's heap, 1g), {@code fuzz.only}
 * (comma-separated request numbers: replay just those, as printed in the report).
 */
@Tag("fuzz")
class QueryFuzzTest {
    static final Path OUT = Path.of("target/fuzz").toAbsolutePath();
    static final long SLOW_NANOS = 10_000_000_000L;

    @Test
    void hostileRequestsNeverBreakTheServer() throws Exception {
        long seed = Long.getLong("fuzz.seed", 20240611L);
        int requests = Integer.getInteger("fuzz.requests", 20000);
        int threads = Integer.getInteger("fuzz.threads", 3);
        String only = System.getProperty("fuzz.only", "").strip();
        Path images = serveImages(FuzzImages.ensure(OUT.resolve("images")));
        List<String> names = FuzzImages.NAMES;
        List<String> seeds = QueryMutator.seeds(Path.of("src/test/conformance/cases.txt"), names);
        QueryMutator mutator = new QueryMutator(seed, seeds, names);
        String prefix = images.toString() + "/";
        List<String> secrets = List.of(prefix, images.toString(), OUT.toString(),
                Path.of("").toAbsolutePath().toString(), System.getProperty("java.io.tmpdir") + "/");

        Map<String, String> config = new LinkedHashMap<>();
        config.put("FILESYSTEM_PREFIX", prefix);
        config.put("OMP_NUM_THREADS", "2");
        config.put("CORS", "*");
        FailureLog failures = new FailureLog(6);
        List<Long> indices = new ArrayList<>();
        if (!only.isEmpty()) {
            for (String s : only.split(",")) {
                indices.add(Long.parseLong(s.strip()));
            }
        }
        long total = indices.isEmpty() ? requests : indices.size();
        LongAdder sent = new LongAdder();
        LongAdder banners = new LongAdder();
        LongAdder refusedByContainer = new LongAdder();
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        AtomicLong next = new AtomicLong();
        AtomicInteger dumps = new AtomicInteger();
        java.util.concurrent.ConcurrentLinkedQueue<String> log = new java.util.concurrent.ConcurrentLinkedQueue<>();
        long t0 = System.nanoTime();
        try (ServerProcess server = new ServerProcess("query", OUT,
                List.of("-Xmx" + System.getProperty("fuzz.xmx", "1g"), "-XX:+UseSerialGC", "-Xss1m"), config)) {
            server.start();
            Map<String, byte[]> reference = new LinkedHashMap<>();
            try (RawHttp http = new RawHttp("127.0.0.1", server.port(), 60_000)) {
                for (Map.Entry<String, String> h : healthChecks(0).entrySet()) {
                    RawHttp.Reply r = http.send(new RawHttp.Request("GET", h.getValue(), null));
                    if (r.status() != 200 || !r.contentType().startsWith("image/")) {
                        throw new AssertionError("healthy " + h.getKey() + " fails on a fresh server: " + r.status() + " "
                                + r.contentType() + " " + ReplyChecks.excerpt(r.body(), 200));
                    }
                    reference.put(h.getKey(), r.body());
                }
            }
            AtomicInteger checkpoints = new AtomicInteger();
            System.out.printf("fuzz: %d requests, seed %d, %d clients, %d seed queries, server pid %d port %d, images %s%n",
                    total, seed, threads, seeds.size(), server.pid(), server.port(), images);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                jobs.add(pool.submit(() -> {
                    RawHttp http = null;
                    int port = -1;
                    try {
                        while (true) {
                            long k = next.getAndIncrement();
                            if (k >= total) {
                                return null;
                            }
                            long index = indices.isEmpty() ? k : indices.get((int) k);
                            QueryMutator.Generated g = mutator.generate(index);
                            synchronized (server) {
                                if (!server.alive()) {
                                    // its death was reported by the requests it dropped
                                    server.restart();
                                }
                                if (server.port() != port) {
                                    if (http != null) {
                                        http.close();
                                    }
                                    port = server.port();
                                    http = new RawHttp("127.0.0.1", port, 60_000);
                                }
                            }
                            sent.increment();
                            if (k > 0 && k % Math.max(1, total / 10) == 0) {
                                System.out.printf("fuzz: %d/%d sent, %d failure(s) so far, %.0f s%n", k, total,
                                        failures.total(), (System.nanoTime() - t0) / 1e9);
                                // Healthy images still render as they first did? (Renamed copies: never cached.)
                                checkHealth(http, healthChecks(checkpoints.incrementAndGet()), reference, failures,
                                        "after about " + k + " requests");
                            }
                            RawHttp.Reply r;
                            try {
                                r = http.send(g.request());
                            } catch (SocketTimeoutException e) {
                                failures.add("no reply within 60 s (" + g.protocol() + ")", describe(g, null, seed));
                                if (dumps.getAndIncrement() < 3) {
                                    server.threadDump(OUT.resolve("query-stuck-" + index + ".txt"));
                                }
                                continue;
                            } catch (IOException e) {
                                if (server.diedWithin(3000)) {
                                    failures.add("the server died: " + server.deathCause() + " (this request or another in flight)",
                                            describe(g, null, seed) + "\n   log " + server.log());
                                } else {
                                    if (g.request().target().length() > 8192 || g.request().target().indexOf('#') >= 0
                                            || g.request().body() != null && g.request().body().length() > 1 << 20) {
                                        // Refused by the container before any of our code runs
                                        // (Jetty's 414, Tomcat's 400 for a request line over 8 KB;
                                        // a 400 for a target holding a fragment '#') and closed at
                                        // once, a body left unread: the close can reset the
                                        // connection before the refusal is read. Likewise a body
                                        // over 1 MB: the server reads that much of a body it
                                        // refuses (413), then closes (docs/operations.md "Limits
                                        // and damaged files"). Counted, not a failure.
                                        refusedByContainer.increment();
                                        continue;
                                    }
                                    String why = e.getClass().getSimpleName() + ": "
                                            + String.valueOf(e.getMessage()).replaceAll("\\d+", "#");
                                    RawHttp.Request q = g.request();
                                    // Jetty answers a request line over 8 KB with 414 and closes; a reset can
                                    // swallow that reply, as it can any reply sent before an unread body.
                                    String size = q.target().length() > 8192 ? ", request line over 8 KB"
                                            : q.body() != null && q.body().length() > 65536 ? ", body over 64 KB"
                                            : q.body() != null && q.target().indexOf('?') >= 0 ? ", POST with a query and a body"
                                            : "";
                                    failures.add("no reply, connection dropped (" + g.protocol() + ", " + why + size + ")",
                                            describe(g, null, seed));
                                }
                                continue;
                            }
                            statuses.computeIfAbsent(r.status(), s -> new LongAdder()).increment();
                            log.add(index + "\t" + Math.round(r.millis()) + "\t" + r.status() + "\t" + r.contentType()
                                    + "\t" + r.body().length + "\t" + g.protocol() + "\t" + g.ops() + "\t"
                                    + shorten(g.request().show(), 300));
                            if (ReplyChecks.isBanner(r)) {
                                banners.increment();
                            }
                            check(g, r, secrets, failures, seed);
                        }
                    } finally {
                        if (http != null) {
                            http.close();
                        }
                    }
                }));
            }
            for (Future<?> f : jobs) {
                f.get();
            }
            pool.shutdown();
            // Still serving after it all, and as it did at first?
            try (RawHttp http = new RawHttp("127.0.0.1", server.port(), 60_000)) {
                checkHealth(http, healthChecks(HEALTH_COPIES - 1), reference, failures, "after the run");
                for (String q : List.of("FIF=big.tif&JTL=1,0", "IIIF=big.jp2/full/256,/0/default.jpg",
                        "DeepZoom=big_deflate.tif_files/9/0_0.jpg", "Zoomify=grey16.tif/TileGroup0/0-0-0.jpg")) {
                    RawHttp.Request req = new RawHttp.Request("GET", QueryMutator.IIP_PATH + "?" + q, null);
                    try {
                        RawHttp.Reply r = http.send(req);
                        if (r.status() != 200 || !r.contentType().startsWith("image/")) {
                            failures.add("healthy request fails after the run", req.show() + "\n-> " + r.status() + " "
                                    + r.contentType() + ": " + ReplyChecks.excerpt(r.body(), 120));
                        }
                    } catch (IOException e) {
                        failures.add("healthy request fails after the run", req.show() + "\n-> " + e);
                    }
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Set<String> statusLine = new TreeSet<>();
        statuses.forEach((s, n) -> statusLine.add(s + ":" + n.sum()));
        String summary = String.format(Locale.ROOT,
                "query fuzz: %d requests in %.1f s (%.0f/s), seed %d, %d clients; statuses %s; banners %d; "
                        + "refused and closed unread (request line over 8 KB, a '#', a body over 1 MB) %d%n"
                        + "replay some: mvn -Pfuzz test-compile surefire:test -Dtest=QueryFuzzTest -Dfuzz.seed=%d -Dfuzz.only=N,M",
                sent.sum(), secs, sent.sum() / secs, seed, threads, statusLine, banners.sum(),
                refusedByContainer.sum(), seed);
        failures.write(OUT.resolve("failures.txt"), "query fuzz", summary);
        List<String> lines = new ArrayList<>(log);
        lines.sort(java.util.Comparator.comparingLong(l -> Long.parseLong(l.substring(0, l.indexOf('\t')))));
        lines.add(0, "#\tms\tstatus\tcontent-type\tbytes\tprotocol\tmutations\trequest");
        Files.write(OUT.resolve("requests.tsv"), lines);
        System.out.println(summary);
        System.out.println("fuzz: report in " + OUT.resolve("failures.txt") + ", every failure in "
                + OUT.resolve("failures-all.txt"));
        assertEquals(0, failures.total(), () -> summary + "\n" + failures.report("query fuzz"));
    }

    static final int HEALTH_COPIES = 12;
    static final List<String> HEALTH_IMAGES = List.of("big.tif", "big_deflate.tif", "big.jp2");

    /**
     * The folder served: hard links to the fuzz images (copies where links fail), plus
     * {@link #HEALTH_COPIES} links of the big images named hNN-*, which no fuzzed request names:
     * each health checkpoint renders its own copy, so the tile store never answers for it.
     */
    static Path serveImages(Path images) throws IOException {
        Path served = OUT.resolve("query-served");
        FuzzImages.resetFolder(served);
        for (String n : FuzzImages.NAMES) {
            link(images.resolve(n), served.resolve(n));
        }
        for (int i = 0; i < HEALTH_COPIES; i++) {
            for (String n : HEALTH_IMAGES) {
                link(images.resolve(n), served.resolve(String.format(Locale.ROOT, "h%02d-%s", i, n)));
            }
        }
        return served;
    }

    private static void link(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to);
        }
    }

    /** The healthy renders of checkpoint {@code i}, by label: big regions on several threads, a IIIF tile, a JP2 tile. */
    static Map<String, String> healthChecks(int i) {
        String p = String.format(Locale.ROOT, "h%02d-", i);
        Map<String, String> m = new LinkedHashMap<>();
        m.put("JPEG-TIFF region 2048x1536 unresized", QueryMutator.IIP_PATH + "?FIF=" + p + "big.tif&RGN=0,0,1,1&CVT=jpeg");
        m.put("deflate-TIFF region 2048x1536 unresized", QueryMutator.IIP_PATH + "?FIF=" + p
                + "big_deflate.tif&RGN=0,0,1,1&CVT=jpeg");
        m.put("JPEG-TIFF IIIF tile decoded (gray)", "/iiif/" + p + "big.tif/512,512,256,256/256,/0/gray.jpg");
        m.put("JP2 tile", QueryMutator.IIP_PATH + "?FIF=" + p + "big.jp2&JTL=5,10");
        return m;
    }

    static void checkHealth(RawHttp http, Map<String, String> checks, Map<String, byte[]> reference, FailureLog failures,
            String when) {
        for (Map.Entry<String, String> h : checks.entrySet()) {
            RawHttp.Request req = new RawHttp.Request("GET", h.getValue(), null);
            try {
                RawHttp.Reply r = http.send(req);
                if (!java.util.Arrays.equals(r.body(), reference.get(h.getKey()))) {
                    failures.add("healthy image renders differently from its first render: " + h.getKey(),
                            req.show() + " " + when + "\n-> " + r.status() + " " + r.contentType() + " " + r.body().length
                                    + " bytes (first render: " + reference.get(h.getKey()).length + " bytes): "
                                    + ReplyChecks.excerpt(r.body(), 80));
                }
            } catch (IOException e) {
                failures.add("healthy image gets no reply: " + h.getKey(), req.show() + " " + when + "\n-> " + e);
            }
        }
    }

    static void check(QueryMutator.Generated g, RawHttp.Reply r, List<String> secrets, FailureLog failures, long seed) {
        String proto = g.protocol();
        if (r.status() >= 500 && !(r.status() == 501 && "IIIF".equals(proto))) {
            failures.add("HTTP " + r.status() + " " + proto + " (" + r.contentType() + "): "
                    + normalise(ReplyChecks.excerpt(r.body(), 60)), describe(g, r, seed));
        }
        if (r.nanos() > SLOW_NANOS) {
            failures.add("slow reply over 10 s (" + proto + ", " + r.status() + ")", describe(g, r, seed));
        }
        if (ReplyChecks.isErrorBody(r)) {
            for (String leak : ReplyChecks.leaks(r.body(), g.request().target() + "\n" + g.request().body(), secrets)) {
                failures.add("error body shows a " + leak + " (" + proto + ", " + r.status() + " " + r.contentType() + ")",
                        describe(g, r, seed));
            }
        }
        if (ReplyChecks.isBanner(r) && g.imageNamed() != null) {
            RawHttp.Request q = g.request();
            boolean bigBody = "POST".equals(q.method()) && q.body() != null && q.body().length() > 65536
                    && q.target().indexOf('?') < 0;
            failures.add("200 banner page (text/html) for an existing image: " + (bigBody
                    ? "a POST body over 64 KB (not read as the request string)" : proto + " " + commands(g)),
                    describe(g, r, seed));
        }
    }

    /** The IIP commands a request carries (known names only), or the IIIF/DeepZoom/Zoomify request kind. */
    static String commands(QueryMutator.Generated g) {
        if (!"IIP".equals(g.protocol())) {
            String t = ReplyChecks.decode(g.request().target());
            return t.contains("info.json") ? "info" : t.contains(".dzi") ? "dzi"
                    : t.contains("ImageProperties") ? "properties" : "image";
        }
        // The output commands only: modifiers (RGN, WID, CNV...) would split one cause into many groups.
        Set<String> known = Set.of("JTL", "PTL", "WTL", "TTL", "JTLS", "TIL", "CVT", "OBJ", "SPECTRA", "PFL");
        Set<String> found = new TreeSet<>();
        for (String part : QueryMutator.requestString(g.request()).split("&")) {
            String k = ReplyChecks.decode(part.contains("=") ? part.substring(0, part.indexOf('=')) : part)
                    .toUpperCase(Locale.ROOT);
            if (known.contains(k)) {
                found.add(k);
            }
        }
        return found.isEmpty() ? "(no output command)" : String.join("+", found);
    }

    static String shorten(String s, int max) {
        return s.length() > max ? s.substring(0, max) + "..." : s;
    }

    static String normalise(String s) {
        return s.replaceAll("\\d+", "#");
    }

    static String describe(QueryMutator.Generated g, RawHttp.Reply r, long seed) {
        String got = r == null ? "(no reply)"
                : r.status() + " " + r.contentType() + " " + r.body().length + " bytes in "
                        + String.format(Locale.ROOT, "%.0f", r.millis()) + " ms: " + ReplyChecks.excerpt(r.body(), 160);
        return g.request().show() + "\n-> " + got + "\n   #" + g.index() + " [" + g.ops() + "]";
    }

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }
}
