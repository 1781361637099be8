package io.github.iipservlet.testsupport;

import io.github.iipservlet.testsupport.ViewerSessions.Viewport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code viewer} workload of bench/run.sh: OpenSeadragon sessions of 16 viewers, recorded once
 * into a file and replayed against a server, so that both servers get the same requests.
 *
 * <pre>
 *   ViewerTraffic record OUTFILE SEED [SESSIONS=6]
 *   ViewerTraffic replay FILE BASEURL [CONNECTIONS_PER_VIEWER=6]
 * </pre>
 *
 * <p>The model (which tiles, in which viewports) is {@link ViewerSessions}'s. The file is plain
 * text: {@code #} comment lines, then for every viewport a line {@code V viewer session viewport
 * protocol image} followed by the query strings of its tiles, one a line, without the path.
 *
 * <p>Replay: one thread per viewer runs its viewports in order. A viewport's tiles are all asked
 * for at once, CONNECTIONS_PER_VIEWER at a time (a browser's limit per host) by as many threads of
 * the viewer's own over kept-alive connections (the JDK's keep-alive cache, shared by the viewers:
 * 16 x 6 connections in all); the viewport's time runs from its first request to the last byte of its
 * last response. Prints a {@code RESULT} line (requests, seconds, rps, viewports, p50/p99 of the
 * viewport times, errors: status >= 400 or no response) and the same per combination.
 */
public final class ViewerTraffic {
    private static final int TIMEOUT_MS = 60_000;

    private ViewerTraffic() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("record")) {
            record(Path.of(args[1]), Long.parseLong(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 6);
        } else if (args.length >= 3 && args[0].equals("replay")) {
            int connections = args.length > 3 ? Integer.parseInt(args[3]) : 6;
            // The JDK keeps 5 idle connections per server by default: room for all viewers' connections.
            System.setProperty("http.maxConnections", String.valueOf(ViewerSessions.VIEWERS * connections));
            replay(Path.of(args[1]), args[2], connections);
        } else {
            System.err.println("usage: ViewerTraffic record OUTFILE SEED [SESSIONS=6]\n"
                + "       ViewerTraffic replay FILE BASEURL [CONNECTIONS_PER_VIEWER=6]");
            System.exit(2);
        }
    }

    private static void record(Path file, long seed, int sessions) throws IOException {
        List<Viewport> viewports = ViewerSessions.record(seed, sessions);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            ViewerSessions.write(viewports, seed, sessions, out);
        }
        int requests = viewports.stream().mapToInt(v -> v.queries().size()).sum();
        System.out.println("RECORDED " + file + " requests=" + requests + " viewports=" + viewports.size()
            + " viewers=" + ViewerSessions.VIEWERS + " sessions=" + sessions + " seed=" + seed);
    }

    /** Reads a session file back into its viewports, in file order. */
    static List<Viewport> read(Path file) throws IOException {
        List<Viewport> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("V ")) {
                String[] f = line.split(" ");
                out.add(new Viewport(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                    f[4], f[5], new ArrayList<>()));
            } else if (out.isEmpty()) {
                throw new IOException(file + ": a query before the first V line: " + line);
            } else {
                out.get(out.size() - 1).queries().add(line.strip());
            }
        }
        return out;
    }

    /** One replayed viewport: its combination and its time. */
    record Timed(String combination, double millis) {
    }

    private static void replay(Path file, String baseUrl, int connections) throws Exception {
        List<Viewport> viewports = read(file);
        Map<Integer, List<Viewport>> byViewer = new LinkedHashMap<>();
        for (Viewport v : viewports) {
            byViewer.computeIfAbsent(v.viewer(), k -> new ArrayList<>()).add(v);
        }
        Counters counters = new Counters();
        List<Timed> times = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (List<Viewport> own : byViewer.values()) {
            Viewer viewer = new Viewer(baseUrl, connections, counters, times);
            Thread t = new Thread(() -> viewer.run(own), "viewer-" + own.get(0).viewer());
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        report(counters, seconds, times);
    }

    /** Totals over all viewers. */
    static final class Counters {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong statusErrors = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
    }

    /**
     * One simulated browser tab: {@code connections} threads of its own, each asking for one tile
     * at a time over a kept-alive connection (HttpURLConnection's keep-alive cache; java.net.http's
     * client cost the client more CPU per tile than the server spent on it).
     */
    private static final class Viewer {
        private final String baseUrl;
        private final ExecutorService pool;
        private final Counters counters;
        private final List<Timed> times;

        Viewer(String baseUrl, int connections, Counters counters, List<Timed> times) {
            this.baseUrl = baseUrl;
            this.pool = Executors.newFixedThreadPool(connections, r -> {
                Thread t = new Thread(r);
                t.setDaemon(true);
                return t;
            });
            this.counters = counters;
            this.times = times;
        }

        void run(List<Viewport> viewports) {
            try {
                for (Viewport v : viewports) {
                    times.add(new Timed(v.protocol() + " " + v.image(), fetchAll(v.queries())));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                pool.shutdownNow();
            }
        }

        /** Asks for all tiles at once (the pool's threads take them in turn); ms until the last arrived. */
        private double fetchAll(List<String> queries) throws InterruptedException {
            long t0 = System.nanoTime();
            List<Future<Long>> done = new ArrayList<>();
            for (String q : queries) {
                done.add(pool.submit(() -> fetch(q)));
            }
            long last = t0;
            for (Future<Long> f : done) {
                try {
                    last = Math.max(last, f.get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause()); // fetch catches its own failures
                }
            }
            return (last - t0) / 1e6;
        }

        /** One tile, its body read to the end; a status >= 400 or a failure counts as an error. Ends at nanoTime. */
        private long fetch(String query) {
            counters.requests.incrementAndGet();
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(baseUrl + "?" + query).toURL().openConnection();
                c.setConnectTimeout(TIMEOUT_MS);
                c.setReadTimeout(TIMEOUT_MS);
                int status = c.getResponseCode();
                if (status >= 400) {
                    counters.statusErrors.incrementAndGet();
                }
                // Reading to the end and closing the stream (not disconnect) returns the connection for reuse.
                try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                    if (in != null) {
                        counters.bytes.addAndGet(in.transferTo(OutputStream.nullOutputStream()));
                    }
                }
            } catch (IOException | RuntimeException e) {
                counters.failures.incrementAndGet();
            }
            return System.nanoTime();
        }
    }

    private static void report(Counters counters, double seconds, List<Timed> times) {
        long requests = counters.requests.get();
        System.out.printf("RESULT requests=%d seconds=%.3f rps=%.1f viewports=%d p50ms=%.1f p99ms=%.1f errors=%d%n",
            requests, seconds, requests / seconds, times.size(), percentile(times, 50), percentile(times, 99),
            counters.statusErrors.get() + counters.failures.get());
        Map<String, List<Timed>> byCombination = new LinkedHashMap<>();
        for (String[] c : ViewerSessions.COMBINATIONS) {
            byCombination.put(c[0] + " " + c[1], new ArrayList<>());
        }
        for (Timed t : times) {
            byCombination.computeIfAbsent(t.combination(), k -> new ArrayList<>()).add(t);
        }
        byCombination.forEach((name, list) -> System.out.printf("  %-24s viewports=%d p50ms=%.1f p99ms=%.1f%n",
            name, list.size(), percentile(list, 50), percentile(list, 99)));
        System.out.printf("  bytes=%d (%.1f MB) status_errors=%d failures=%d%n", counters.bytes.get(),
            counters.bytes.get() / 1e6, counters.statusErrors.get(), counters.failures.get());
    }

    /** Nearest-rank percentile of the viewport times, in milliseconds (0 when there are none). */
    static double percentile(List<Timed> times, double p) {
        double[] sorted = times.stream().mapToDouble(Timed::millis).sorted().toArray();
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
