package io.github.iipservlet.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The context-wide pool of open pyramid readers, which is also iipsrv's image metadata cache: one
 * entry per file, keyed by its path and valid while the file's modification time is unchanged,
 * so a replaced file is re-read. Bounded by MAX_METADATA_CACHE_SIZE entries (0: every request
 * opens and closes its own reader; -1: unbounded). A reader evicted or replaced while requests
 * still use it is closed when the last of them is done.
 */
public final class ImageStore implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ImageStore.class);

    /** Opens a reader for a file; {@link ImageFormats#open} in production. */
    @FunctionalInterface
    public interface Opener {
        PyramidReader open(Path file) throws ImageException;
    }

    private final ImagePaths paths;
    private final int maxEntries;
    private final Opener opener;
    private final Map<Path, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();

    public ImageStore(ImagePaths paths, int maxEntries, Opener opener) {
        this.paths = paths;
        this.maxEntries = maxEntries;
        this.opener = opener;
    }

    public ImagePaths paths() {
        return paths;
    }

    /**
     * Checks out the image an identifier names.
     *
     * @throws ImageException NOT_FOUND for a refused or missing file, UNSUPPORTED or CORRUPT from the reader
     */
    public OpenImage open(String identifier) throws ImageException {
        Path candidate = paths.candidate(identifier);
        long mtime;
        try {
            BasicFileAttributes attrs = Files.readAttributes(candidate, BasicFileAttributes.class);
            if (!attrs.isRegularFile()) {
                throw new ImageException(ImageException.Kind.NOT_FOUND, "Image not found");
            }
            mtime = attrs.lastModifiedTime().toMillis();
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Image not found");
        }
        Entry cached = maxEntries == 0 ? null : entries.get(candidate);
        if (cached != null && cached.lastModified == mtime && cached.acquire()) {
            cached.lastUsed = clock.incrementAndGet();
            return new OpenImage(identifier, cached, false);
        }
        Path real = paths.real(candidate);
        PyramidReader reader;
        try {
            reader = opener.open(real);
        } catch (ImageException e) {
            LOG.info("cannot open {}: {}", real, e.getMessage());
            throw e;
        }
        Entry fresh = new Entry(reader, real + "@" + mtime, mtime);
        fresh.acquire();
        fresh.lastUsed = clock.incrementAndGet();
        if (maxEntries == 0) {
            fresh.retire();
            return new OpenImage(identifier, fresh, cached != null);
        }
        Entry previous = entries.put(candidate, fresh);
        if (previous != null) {
            previous.retire();
        }
        evictIfFull();
        return new OpenImage(identifier, fresh, cached != null);
    }

    private void evictIfFull() {
        if (maxEntries < 0) {
            return;
        }
        while (entries.size() > maxEntries) {
            Map.Entry<Path, Entry> oldest = null;
            for (Map.Entry<Path, Entry> e : entries.entrySet()) {
                if (oldest == null || e.getValue().lastUsed < oldest.getValue().lastUsed) {
                    oldest = e;
                }
            }
            if (oldest == null || !entries.remove(oldest.getKey(), oldest.getValue())) {
                continue;
            }
            oldest.getValue().retire();
        }
    }

    /** Forgets every cached image (iipsrv's SIGHUP). */
    public void flush() {
        for (Path key : entries.keySet()) {
            Entry e = entries.remove(key);
            if (e != null) {
                e.retire();
            }
        }
    }

    public int size() {
        return entries.size();
    }

    @Override
    public void close() {
        flush();
    }

    /** One open file: its reader, shared by the requests that hold it. */
    static final class Entry {
        final PyramidReader reader;
        final String identity;
        final long lastModified;
        volatile long lastUsed;
        volatile int[] histogram;
        /** Requests holding the entry, plus one for the pool while it is cached; -1 once closed. */
        private final AtomicInteger holders = new AtomicInteger(1);

        Entry(PyramidReader reader, String identity, long lastModified) {
            this.reader = reader;
            this.identity = identity;
            this.lastModified = lastModified;
        }

        boolean acquire() {
            while (true) {
                int h = holders.get();
                if (h <= 0) {
                    return false;
                }
                if (holders.compareAndSet(h, h + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (holders.decrementAndGet() == 0) {
                holders.set(-1);
                reader.close();
            }
        }

        /** The pool lets go of the entry. */
        void retire() {
            release();
        }
    }
}
