package io.github.iipservlet.image.raster;

import io.github.iipservlet.image.ImageException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The decoded levels of the plain images served lately (docs/architecture.md 2.7), one per context,
 * bounded in bytes ({@code RASTER_CACHE_SIZE}, docs/operations.md "Configuration") and evicted least
 * recently used first. A plain image has no tiles of its own: without this cache every tile of a
 * viewer would decode the whole file. Keyed by the image's cache identity (name and version), so a
 * replaced file never meets its old pixels. Requests that want the same level at once wait for
 * one decode. The decode itself holds its memory from the render budget while it runs
 * ({@link Memory}); what the cache keeps afterwards is counted here, beside that budget.
 */
public final class RasterCache implements AutoCloseable {

    /** The memory a decode holds while it runs: the render budget's, given by the composition root. */
    @FunctionalInterface
    public interface Memory {
        /**
         * Holds {@code bytes} until the returned hold is closed.
         *
         * @throws ImageException when the server can never or not now find that much
         */
        AutoCloseable reserve(long bytes) throws ImageException;

        Memory NONE = bytes -> () -> {
        };
    }

    /** Makes a level on a miss. */
    @FunctionalInterface
    interface Maker {
        Raster make() throws ImageException;
    }

    /** The figures of {@code /health}. */
    public record Stats(int entries, long bytes, long capacity, long hits, long misses, long decodes) {
    }

    private record Key(String image, int level) {
    }

    private final long capacity;
    private final Memory memory;
    private final LinkedHashMap<Key, Raster> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final ConcurrentHashMap<Key, CompletableFuture<Raster>> making = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong decodes = new AtomicLong();
    private long bytes;

    /**
     * @param capacity bytes of decoded levels kept; 0 keeps none (every request decodes)
     * @param memory   where a decode holds its working memory
     */
    public RasterCache(long capacity, Memory memory) {
        this.capacity = Math.max(0, capacity);
        this.memory = memory;
    }

    Memory memory() {
        return memory;
    }

    /** Counts one decode of a file (a test's evidence that a second tile did not decode again). */
    void counted() {
        decodes.incrementAndGet();
    }

    /**
     * Level {@code level} of the image {@code identity}: the cached one, or the one a concurrent
     * request is making, or the one {@code maker} makes now.
     */
    Raster get(String identity, int level, Maker maker) throws ImageException {
        Key key = new Key(identity, level);
        synchronized (entries) {
            Raster r = entries.get(key);
            if (r != null) {
                hits.incrementAndGet();
                return r;
            }
        }
        CompletableFuture<Raster> mine = new CompletableFuture<>();
        CompletableFuture<Raster> running = making.putIfAbsent(key, mine);
        if (running != null) {
            hits.incrementAndGet();
            return await(running);
        }
        misses.incrementAndGet();
        try {
            Raster r = maker.make();
            put(key, r);
            mine.complete(r);
            return r;
        } catch (ImageException | RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            making.remove(key, mine);
        }
    }

    private static Raster await(CompletableFuture<Raster> running) throws ImageException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return running.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ImageException ie) {
                throw new ImageException(ie.kind(), ie.getMessage(), ie);
            } else if (cause instanceof RuntimeException re) {
                throw re;
            } else if (cause instanceof Error er) {
                throw er;
            }
            throw new IllegalStateException(cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void put(Key key, Raster r) {
        long size = r.bytes();
        if (size > capacity) {
            return;
        }
        synchronized (entries) {
            Raster old = entries.put(key, r);
            bytes += size - (old == null ? 0 : old.bytes());
            Iterator<Map.Entry<Key, Raster>> it = entries.entrySet().iterator();
            while (bytes > capacity && it.hasNext()) {
                Map.Entry<Key, Raster> eldest = it.next();
                bytes -= eldest.getValue().bytes();
                it.remove();
            }
        }
    }

    public Stats stats() {
        synchronized (entries) {
            return new Stats(entries.size(), bytes, capacity, hits.get(), misses.get(), decodes.get());
        }
    }

    /** Drops every level (at undeploy). */
    @Override
    public void close() {
        synchronized (entries) {
            entries.clear();
            bytes = 0;
        }
    }
}
