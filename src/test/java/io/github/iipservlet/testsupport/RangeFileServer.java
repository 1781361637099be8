package io.github.iipservlet.testsupport;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpDateTime;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.content.HttpContent;
import org.eclipse.jetty.http.content.ResourceHttpContentFactory;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A folder served over HTTP by embedded Jetty 12 on a loopback port, as the origin of an
 * {@code http(s)://} image source: Jetty's {@link ResourceHandler} answers GET and HEAD with
 * single ranges ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}: 206 with Content-Range;
 * a range past the end or a malformed one such as {@code bytes=5-2}: 416), ETag and
 * Last-Modified, and conditional requests (If-None-Match, If-Modified-Since: 304). A request for
 * several ranges gets Jetty's multipart/byteranges reply. Two changes to Jetty's answers, to look
 * like nginx or S3: the ETag is strong, and If-Range is honoured (Jetty ignores it).
 * Files are looked up afresh on every request (no content cache), so a test may replace a file and
 * see a new ETag at once.
 *
 * <p>Around it, for tests of a remote source:
 * <ul>
 *   <li>a fixed added latency per request ({@link #latency(Duration)}), slept before handling;</li>
 *   <li>a required request header ({@link #requireHeader(String, String)}), else 403;</li>
 *   <li>counters of requests by method, of ranged GETs and of body bytes sent
 *       ({@link #requests(String)}, {@link #rangedGets()}, {@link #bytesSent()},
 *       {@link #resetCounters()}), also as JSON at {@code GET /__counters} (which is neither
 *       counted, delayed nor guarded; {@code GET /__counters?reset} resets them after answering);</li>
 *   <li>{@link #stop()} and {@link #start()} again on the same port, for a store that goes away
 *       under load and comes back.</li>
 * </ul>
 *
 * <p>Also a main class, for bench/remote.sh and by-hand runs:
 * {@code java -cp ... RangeFileServer DIR [PORT] [--latency-ms=N] [--require-header=NAME:VALUE]}.
 */
public final class RangeFileServer implements AutoCloseable {
    /** The path of the counters, outside the served folder's namespace in practice. */
    public static final String COUNTERS_PATH = "/__counters";

    private final Path root;
    private int port;
    private Server server;
    private volatile long latencyNanos;
    private volatile String requiredName;
    private volatile String requiredValue;
    private final Map<String, LongAdder> byMethod = new ConcurrentHashMap<>();
    private final LongAdder rangedGets = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder denied = new LongAdder();
    private volatile ResourceHandler files;

    /** Serves {@code root} on a free loopback port, started. */
    public RangeFileServer(Path root) throws Exception {
        this(root, 0);
    }

    /** Serves {@code root} on {@code port} of 127.0.0.1 (0: a free one), started. */
    public RangeFileServer(Path root, int port) throws Exception {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("not a folder: " + root);
        }
        this.root = root.toAbsolutePath().normalize();
        this.port = port;
        start();
    }

    /** Starts the server again after {@link #stop()}, on the same port; nothing when running. */
    public synchronized void start() throws Exception {
        if (server != null) {
            return;
        }
        QueuedThreadPool threads = new QueuedThreadPool(400);
        threads.setName("range-file-server");
        Server s = new Server(threads);
        ServerConnector connector = new ServerConnector(s);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setReuseAddress(true);
        s.addConnector(connector);
        files = new FreshResourceHandler();
        files.setBaseResource(ResourceFactory.of(s).newResource(root));
        files.setDirAllowed(false);
        files.setAcceptRanges(true);
        files.setEtags(true);
        s.setHandler(new Gate(files));
        try {
            s.start();
        } catch (Exception e) {
            s.stop();
            throw e;
        }
        port = connector.getLocalPort();
        server = s;
    }

    /** Stops listening (connections refused) until {@link #start()}; nothing when stopped. */
    public synchronized void stop() throws Exception {
        if (server != null) {
            Server s = server;
            server = null;
            s.stop();
        }
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    public Path root() {
        return root;
    }

    public int port() {
        return port;
    }

    /** http://127.0.0.1:PORT/ (with the trailing slash, as a FILESYSTEM_PREFIX). */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    /** Sleeps this long before handling each request (zero: none). */
    public RangeFileServer latency(Duration latency) {
        latencyNanos = latency.toNanos();
        return this;
    }

    public Duration latency() {
        return Duration.ofNanos(latencyNanos);
    }

    /** Answers 403 to requests without this header and value (null name: no requirement). */
    public RangeFileServer requireHeader(String name, String value) {
        requiredValue = value;
        requiredName = name;
        return this;
    }

    /** Requests received with this method (GET, HEAD, ...), those answered 403 included. */
    public long requests(String method) {
        LongAdder a = byMethod.get(method);
        return a == null ? 0 : a.sum();
    }

    /** All requests received (but those of {@link #COUNTERS_PATH}). */
    public long requests() {
        return byMethod.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** GETs that carried a Range header (whatever the answer: 206, 200, 304, 416, 403). */
    public long rangedGets() {
        return rangedGets.sum();
    }

    /** Body bytes written (ranges, whole files, error pages). */
    public long bytesSent() {
        return bytesSent.sum();
    }

    /** Requests answered 403 for lack of the required header. */
    public long denied() {
        return denied.sum();
    }

    public void resetCounters() {
        byMethod.clear();
        rangedGets.reset();
        bytesSent.reset();
        denied.reset();
    }

    /** The counters as one JSON object: requests, GET, HEAD, ..., rangedGets, bytesSent, denied. */
    public String countersJson() {
        StringBuilder b = new StringBuilder("{\"requests\":").append(requests());
        Map<String, Long> methods = new TreeMap<>();
        byMethod.forEach((m, n) -> methods.put(m, n.sum()));
        methods.forEach((m, n) -> b.append(",\"").append(m).append("\":").append(n));
        return b.append(",\"rangedGets\":").append(rangedGets()).append(",\"bytesSent\":").append(bytesSent())
                .append(",\"denied\":").append(denied()).append('}').toString();
    }

    /** Counters, latency and the header requirement, in front of the files. */
    private final class Gate extends Handler.Wrapper {
        Gate(Handler files) {
            super(files);
        }

        /**
         * Blocking: it sleeps. A wrapper takes the invocation type of what it wraps, and Jetty runs
         * a non-blocking handler on the connector's selector thread, where the latency's sleep
         * made every request wait for the one before it (measured: 16 clients got 24 requests/s
         * at 30 ms, one at a time).
         */
        @Override
        public org.eclipse.jetty.util.thread.Invocable.InvocationType getInvocationType() {
            return org.eclipse.jetty.util.thread.Invocable.InvocationType.BLOCKING;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (COUNTERS_PATH.equals(Request.getPathInContext(request))) {
                String json = countersJson() + "\n";
                String query = request.getHttpURI().getQuery();
                if (query != null && query.startsWith("reset")) {
                    resetCounters();
                }
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                Content.Sink.write(response, true, json, callback);
                return true;
            }
            String method = request.getMethod();
            byMethod.computeIfAbsent(method, m -> new LongAdder()).increment();
            if ("GET".equals(method) && request.getHeaders().contains(HttpHeader.RANGE)) {
                rangedGets.increment();
            }
            long sleep = latencyNanos;
            if (sleep > 0) {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
            Response counting = "HEAD".equals(method) ? response : new CountingResponse(request, response);
            String name = requiredName;
            if (name != null && !String.valueOf(requiredValue).equals(request.getHeaders().get(name))) {
                denied.increment();
                Response.writeError(request, counting, callback, 403);
                return true;
            }
            if (request.getHeaders().contains(HttpHeader.IF_RANGE) && request.getHeaders().contains(HttpHeader.RANGE)
                    && !ifRangeMatches(request)) {
                request = withoutRange(request);
            }
            if (!super.handle(request, counting, callback)) {
                Response.writeError(request, counting, callback,
                        "GET".equals(method) || "HEAD".equals(method) ? 404 : 405);
            }
            return true;
        }
    }

    /**
     * Jetty's ResourceService ignores If-Range (it answers the range whatever the validator): here a
     * validator that is not the file's current strong ETag, or an HTTP date that is not its
     * Last-Modified, makes the request a plain GET of the whole file, as RFC 9110 13.1.5 says.
     */
    private boolean ifRangeMatches(Request request) throws IOException {
        HttpContent content = files.getResourceService().getContent(Request.getPathInContext(request), request);
        if (content == null) {
            return true; // 404 anyway
        }
        String validator = request.getHeaders().get(HttpHeader.IF_RANGE).trim();
        if (validator.startsWith("\"")) {
            return validator.equals(content.getETagValue());
        }
        if (validator.startsWith("W/")) {
            return false; // never matches: If-Range compares strongly
        }
        long date = HttpDateTime.parseToEpoch(validator);
        return date != -1 && content.getLastModifiedInstant() != null
                && date / 1000 == content.getLastModifiedInstant().getEpochSecond();
    }

    private static Request withoutRange(Request request) {
        HttpFields headers = HttpFields.build(request.getHeaders()).remove(HttpHeader.RANGE)
                .remove(HttpHeader.IF_RANGE).asImmutable();
        return new Request.Wrapper(request) {
            @Override
            public HttpFields getHeaders() {
                return headers;
            }
        };
    }

    /** Counts body bytes as they are handed to Jetty, so the count is there before the client has them. */
    private final class CountingResponse extends Response.Wrapper {
        CountingResponse(Request request, Response wrapped) {
            super(request, wrapped);
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            if (content != null) {
                bytesSent.add(content.remaining());
            }
            super.write(last, content, callback);
        }
    }

    /**
     * Jetty's ResourceHandler without its content cache (which keeps small files and their ETag
     * for up to a second): every request sees the file as it is now.
     */
    private static final class FreshResourceHandler extends ResourceHandler {
        @Override
        protected HttpContent.Factory newHttpContentFactory(ByteBufferPool.Sized pool) {
            HttpContent.Factory files = new ResourceHttpContentFactory(getBaseResource(), getMimeTypes(), pool);
            return path -> {
                HttpContent c = files.getContent(path);
                return c == null ? null : new StrongEtag(c);
            };
        }
    }

    /**
     * Jetty's ETag is weak ({@code W/"..."}, from the file's name, modification time and size); a
     * file server such as nginx, and S3, send strong ones, which If-Range needs. The same value
     * without {@code W/}: it changes whenever the file does.
     */
    private static final class StrongEtag extends HttpContent.Wrapper {
        private final HttpField etag;

        StrongEtag(HttpContent wrapped) {
            super(wrapped);
            HttpField weak = wrapped.getETag();
            String value = weak == null ? null : weak.getValue();
            etag = value == null ? null
                    : new HttpField(HttpHeader.ETAG, value.startsWith("W/") ? value.substring(2) : value);
        }

        @Override
        public HttpField getETag() {
            return etag;
        }

        @Override
        public String getETagValue() {
            return etag == null ? null : etag.getValue();
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: RangeFileServer DIR [PORT] [--latency-ms=N] [--require-header=NAME:VALUE]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int port = 0;
        long latencyMs = 0;
        String header = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("--latency-ms=")) {
                latencyMs = Long.parseLong(args[i].substring("--latency-ms=".length()));
            } else if (args[i].startsWith("--require-header=")) {
                header = args[i].substring("--require-header=".length());
            } else {
                port = Integer.parseInt(args[i]);
            }
        }
        RangeFileServer s = new RangeFileServer(dir, port).latency(Duration.ofMillis(latencyMs));
        if (header != null) {
            int colon = header.indexOf(':');
            s.requireHeader(header.substring(0, colon), header.substring(colon + 1));
        }
        System.out.println("listening " + s.uri() + " serving " + s.root() + ", latency " + latencyMs + " ms"
                + (header == null ? "" : ", requires " + header) + "; counters at " + s.uri().resolve(COUNTERS_PATH));
        System.out.flush();
        Thread.currentThread().join();
    }
}
