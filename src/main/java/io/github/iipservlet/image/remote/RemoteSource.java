package io.github.iipservlet.image.remote;

import io.github.iipservlet.image.ImageBytes;
import io.github.iipservlet.image.ImageBytesStream;
import io.github.iipservlet.image.ImageException;
import io.github.iipservlet.image.ImageSource;
import io.github.iipservlet.image.StoredObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Images in an S3 bucket or on a web server (FILESYSTEM_PREFIX {@code s3://...}, {@code http(s)://...};
 * docs/operations.md "Object storage"). What both share lives here, so both behave the same:
 *
 * <ul>
 * <li>Finding an object reads its first 64 KB with one ranged GET (its size, ETag and date come
 * with them), and a TIFF's directories are then read in 64 KB blocks ({@link ImageBytesStream});
 * tiles are read with one ranged GET each, conditional on the ETag (a replaced object is never
 * read half old, half new).</li>
 * <li>A found object is trusted for REMOTE_METADATA_TTL seconds, then checked with one
 * conditional request ({@code If-None-Match}).</li>
 * <li>Missing or forbidden (404, 403, 401, 410) is "image not found"; a timeout, a refused
 * connection, a 5xx or 429 is {@link ImageException.Kind#UNAVAILABLE} (503). After such a failure
 * the store is taken as down for two seconds, in which requests fail at once instead of queueing
 * for their timeouts; then the next request tries it again.</li>
 * <li>At most REMOTE_CONNECTIONS requests go to the store at once; a request that cannot get a
 * turn within REMOTE_TIMEOUT is a 503.</li>
 * <li>A region's tiles are fetched together before they are decoded ({@link RemoteBytes#prefetch}):
 * neighbours coalesced into one range, the ranges concurrently, kept briefly in a small memory
 * cache the reads then find them in.</li>
 * <li>JPEG2000 files are fetched whole into a disk cache ({@link DiskCache}), since OpenJPEG reads
 * files by name.</li>
 * </ul>
 */
public final class RemoteSource implements ImageSource {
    private static final Logger LOG = LogManager.getLogger(RemoteSource.class);
    /** How long the store is taken as down after a failure. */
    private static final long DOWN_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Ranges closer than this are fetched as one. */
    static final int COALESCE_GAP = 64 * 1024;
    /** The largest coalesced range. */
    static final int MAX_RANGE = 16 << 20;
    /** Prefetched tile bytes kept for the reads that follow. */
    private static final long PREFETCHED_BYTES = 64L << 20;

    /** The settings of a remote source. */
    public record Settings(String endpoint, String region, boolean pathStyle, Path cacheFolder, long cacheBytes,
            int metadataTtlSeconds, int timeoutSeconds, int connections, String httpHeader) {
    }

    private final Store store;
    private final long ttlMillis;
    private final long timeoutMillis;
    private final Semaphore turns;
    private final ExecutorService io;
    private final DiskCache disk;
    private final RangeCache prefetched = new RangeCache(PREFETCHED_BYTES);
    private final Map<String, Listing> listings = new ConcurrentHashMap<>();
    /** Identities of objects a read found replaced (412): checked again on their next use. */
    private final Set<String> replaced = ConcurrentHashMap.newKeySet();
    private volatile long downSince;
    private volatile boolean down;
    /** Logs each outage and each recovery once, whichever threads see them. */
    private final AtomicBoolean reportedDown = new AtomicBoolean();
    /** Requests made to the store, by kind: for /health and the tests' request counts. */
    private final AtomicLong gets = new AtomicLong();
    private final AtomicLong heads = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    private record Listing(long at, List<Listed> entries) {
    }

    private RemoteSource(Store store, Settings s) throws IOException {
        this.store = store;
        this.ttlMillis = TimeUnit.SECONDS.toMillis(s.metadataTtlSeconds());
        this.timeoutMillis = TimeUnit.SECONDS.toMillis(s.timeoutSeconds());
        this.turns = new Semaphore(s.connections(), true);
        this.io = executor(s.connections());
        this.disk = new DiskCache(s.cacheFolder(), s.cacheBytes());
    }

    /** True when FILESYSTEM_PREFIX names a remote source. */
    public static boolean isRemote(String prefix) {
        String p = prefix.toLowerCase(Locale.ROOT);
        return p.startsWith("s3://") || p.startsWith("http://") || p.startsWith("https://");
    }

    /** The source FILESYSTEM_PREFIX names. */
    public static RemoteSource open(String prefix, Settings s) throws IOException {
        Duration timeout = Duration.ofSeconds(s.timeoutSeconds());
        if (prefix.toLowerCase(Locale.ROOT).startsWith("s3://")) {
            URI location = URI.create(prefix);
            if (location.getHost() == null && location.getAuthority() == null) {
                throw new IOException("FILESYSTEM_PREFIX " + prefix + " names no bucket");
            }
            return new RemoteSource(new S3Store(location, s.endpoint(), s.region(), s.pathStyle(), timeout,
                    s.connections()), s);
        }
        URI.create(prefix); // refuses a malformed prefix at start-up
        // The client runs parts of every exchange on these: as many as requests may go at once.
        ExecutorService httpThreads = executor(s.connections() + 2);
        RemoteSource source = new RemoteSource(new HttpStore(prefix, timeout, s.httpHeader(), httpThreads), s);
        source.httpThreads = httpThreads;
        return source;
    }

    /** The HTTP client's own threads (web-server sources only), stopped at close. */
    private ExecutorService httpThreads;

    private static ExecutorService executor(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor e = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "iip-remote-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        e.allowCoreThreadTimeOut(true);
        return e;
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public Stats stats() {
        return new Stats(store instanceof S3Store ? "s3" : "http", gets.get(), heads.get(), failures.get(), !down);
    }

    // ----- requests, each within a turn and the down-check -----

    @FunctionalInterface
    interface Call<T> {
        T run() throws IOException;
    }

    /** One request to the store: refused at once while it is down, 503 when it fails. */
    <T> T call(Call<T> call) throws ImageException {
        if (down && System.nanoTime() - downSince < DOWN_NANOS) {
            throw unavailable();
        }
        boolean turn;
        try {
            turn = turns.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable();
        }
        if (!turn) {
            throw new ImageException(ImageException.Kind.UNAVAILABLE, "Image store busy, retry later");
        }
        try {
            T result = call.run();
            if (down) {
                down = false;
                if (reportedDown.compareAndSet(true, false)) {
                    LOG.warn("image store {} answers again", store.describe());
                }
            }
            return result;
        } catch (IOException | RuntimeException e) {
            failed(e);
            throw unavailable();
        } finally {
            turns.release();
        }
    }

    private void failed(Exception e) {
        failures.incrementAndGet();
        downSince = System.nanoTime();
        down = true;
        if (reportedDown.compareAndSet(false, true)) {
            LOG.warn("image store {} does not answer ({}): 503 for two seconds, then tried again",
                    store.describe(), e.toString());
        }
    }

    /** A reply's status as what it means for an image: ok, or thrown. */
    private Store.Reply checked(Store.Reply r) throws ImageException {
        int s = r.status();
        if (s == 200 || s == 206 || s == 304 || s == 416) {
            return r;
        }
        if (s == 412) {
            throw new ImageException(ImageException.Kind.UNAVAILABLE, "Image changed while it was read, retry");
        }
        if (s >= 500 || s == 429 || s == 408) {
            failed(new IOException("status " + s));
            throw unavailable();
        }
        throw notFound();
    }

    private static ImageException unavailable() {
        return new ImageException(ImageException.Kind.UNAVAILABLE, "Image store unavailable, retry later");
    }

    private static ImageException notFound() {
        return new ImageException(ImageException.Kind.NOT_FOUND, "Image not found");
    }

    // ----- ImageSource -----

    @Override
    public StoredObject find(String name) throws ImageException {
        gets.incrementAndGet();
        Store.Reply r = call(() -> store.get(name, 0, ImageBytesStream.BLOCK - 1, null));
        try {
            checked(r);
        } catch (ImageException e) {
            if (e.kind() == ImageException.Kind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
        long size = r.size() >= 0 ? r.size() : r.body() == null ? 0 : r.body().length;
        byte[] head = r.status() == 416 ? new byte[0] : r.body();
        String version = r.etag() != null ? r.etag() : size + ":" + r.lastModified();
        return new StoredObject(name, size, r.lastModified(), version, null, head);
    }

    @Override
    public long revalidateAfterMillis() {
        return Math.max(1, ttlMillis);
    }

    @Override
    public boolean stale(StoredObject object) {
        return replaced.contains(object.identity());
    }

    @Override
    public StoredObject revalidate(StoredObject known) throws ImageException {
        replaced.remove(known.identity());
        boolean etag = known.version().startsWith("\"") || known.version().startsWith("W/");
        heads.incrementAndGet();
        Store.Reply r = call(() -> store.head(known.name(), etag ? known.version() : null));
        if (r.status() == 304) {
            return known;
        }
        try {
            checked(r);
        } catch (ImageException e) {
            if (e.kind() == ImageException.Kind.NOT_FOUND) {
                return null;
            }
            throw e;
        }
        String version = r.etag() != null ? r.etag() : r.size() + ":" + r.lastModified();
        return version.equals(known.version()) ? known : find(known.name());
    }

    @Override
    public ImageBytes open(StoredObject object) {
        return new RemoteBytes(this, object.withoutHead());
    }

    /** Bytes of an object, one ranged GET, conditional on its version. */
    byte[] read(StoredObject object, long position, int length) throws ImageException {
        byte[] kept = prefetched.take(object.identity(), position, length);
        if (kept != null) {
            return kept;
        }
        gets.incrementAndGet();
        String ifMatch = object.version().startsWith("\"") ? object.version() : null;
        Store.Reply r = call(() -> store.get(object.name(), position, position + length - 1, ifMatch));
        // A server that ignores If-Match still names what it sent: another ETag is another object.
        if (r.status() == 412 || ifMatch != null && r.etag() != null && (r.status() == 206 || r.status() == 200)
                && !r.etag().equals(ifMatch)) {
            replaced.add(object.identity());
            throw new ImageException(ImageException.Kind.UNAVAILABLE, "Image changed while it was read, retry");
        }
        checked(r);
        if (r.status() == 416 || r.body() == null || r.body().length != length) {
            throw new ImageException(ImageException.Kind.CORRUPT, "Image file is truncated");
        }
        return r.body();
    }

    /**
     * Fetches ranges together: sorted, neighbours closer than {@link #COALESCE_GAP} merged (up to
     * {@link #MAX_RANGE}), the merged ranges concurrently, each asked range then kept for its read.
     * A failure here is not reported: the read of that range asks again and reports it.
     */
    void prefetch(StoredObject object, long[] positions, int[] lengths) {
        List<long[]> ranges = Coalescing.merge(positions, lengths, COALESCE_GAP, MAX_RANGE);
        if (ranges.size() <= 1 && positions.length <= 1) {
            return; // one range: the read itself is the one request
        }
        List<Future<?>> pending = new ArrayList<>(ranges.size());
        for (long[] range : ranges) {
            Runnable fetch = () -> {
                try {
                    byte[] data = read(object, range[0], (int) (range[1] - range[0]));
                    for (int i = 0; i < positions.length; i++) {
                        if (positions[i] >= range[0] && positions[i] + lengths[i] <= range[1]) {
                            int at = (int) (positions[i] - range[0]);
                            prefetched.put(object.identity(), positions[i],
                                    Arrays.copyOfRange(data, at, at + lengths[i]));
                        }
                    }
                } catch (ImageException e) {
                    LOG.debug("prefetch of {} failed: {}", object.name(), e.getMessage());
                }
            };
            pending.add(io.submit(fetch));
        }
        for (Future<?> f : pending) {
            try {
                f.get(timeoutMillis * 2, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("prefetch of {} failed: {}", object.name(), e.toString());
            }
        }
    }

    @Override
    public LocalFile localFile(StoredObject object) throws ImageException {
        String identity = object.identity();
        Path path;
        try {
            path = disk.acquire(identity, file -> {
                gets.incrementAndGet();
                String ifMatch = object.version().startsWith("\"") ? object.version() : null;
                checked(call(() -> store.download(object.name(), ifMatch, file)));
            });
        } catch (IOException e) {
            LOG.error("remote file cache: {}", e.toString());
            throw new ImageException(ImageException.Kind.UNAVAILABLE, "Image cache unavailable, retry later");
        }
        return new LocalFile() {
            private boolean closed;

            @Override
            public Path path() {
                return path;
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    disk.release(identity);
                }
            }
        };
    }

    @Override
    public boolean canList() {
        return store.canList();
    }

    /** A folder's listing, kept for REMOTE_METADATA_TTL seconds. */
    @Override
    public List<Listed> list(String folder) throws ImageException {
        if (!store.canList()) {
            throw new ImageException(ImageException.Kind.UNSUPPORTED, "This image source cannot be listed");
        }
        Listing l = listings.get(folder);
        long now = System.currentTimeMillis();
        if (l == null || now - l.at >= Math.max(1, ttlMillis)) {
            List<Listed> entries = call(() -> store.list(folder));
            if (entries.isEmpty() && !folder.isEmpty()) {
                // A bucket has no folders of its own: a prefix nothing starts with is a missing folder.
                throw new ImageException(ImageException.Kind.NOT_FOUND, "Folder not found");
            }
            if (listings.size() >= 512) {
                listings.clear();
            }
            l = new Listing(now, entries);
            listings.put(folder, l);
        }
        return l.entries;
    }

    @Override
    public void flush() {
        listings.clear();
        prefetched.clear();
    }

    @Override
    public void close() {
        io.shutdownNow();
        if (httpThreads != null) {
            httpThreads.shutdownNow();
        }
        store.close();
        disk.close();
        prefetched.clear();
    }
}
