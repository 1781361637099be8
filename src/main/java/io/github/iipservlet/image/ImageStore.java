package io.github.iipservlet.image;

import io.github.iipservlet.image.formats.ImageFormats;
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
 *
 * <p>An identifier that names no file may name an image sequence (docs/protocols.md 9.5): it then opens the
 * sequence's 0/90 file, and {@link OpenImage#view} opens the file of other angles.
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
    private final ImageSequence.Finder sequences;
    private final Map<Path, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();

    public ImageStore(ImagePaths paths, int maxEntries, Opener opener) {
        this(paths, maxEntries, opener, "_pyr_");
    }

    /** @param filenamePattern FILENAME_PATTERN, the separator of image sequence file names */
    public ImageStore(ImagePaths paths, int maxEntries, Opener opener, String filenamePattern) {
        this.paths = paths;
        this.maxEntries = maxEntries;
        this.opener = opener;
        this.sequences = new ImageSequence.Finder(paths, filenamePattern);
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
        BasicFileAttributes attrs = attributes(candidate);
        if (attrs != null && attrs.isRegularFile()) {
            return open(identifier, candidate, attrs.lastModifiedTime().toMillis(), null);
        }
        // Not a file: perhaps the stem of an image sequence, whose first view stands for it.
        ImageSequence sequence = sequences.find(identifier);
        return openView(identifier, sequence, 0, 90, sequence);
    }

    /** The file of one view of a sequence; {@code keep} is the sequence the image reports, or null. */
    OpenImage openView(String identifier, ImageSequence sequence, int horizontal, int vertical, ImageSequence keep)
            throws ImageException {
        Path file = sequence.file(horizontal, vertical);
        BasicFileAttributes attrs = attributes(file);
        if (attrs == null || !attrs.isRegularFile()) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Image sequence has no view " + horizontal
                    + "," + vertical);
        }
        return open(identifier, file, attrs.lastModifiedTime().toMillis(), keep);
    }

    private static BasicFileAttributes attributes(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException e) {
            return null;
        }
    }

    private OpenImage open(String identifier, Path candidate, long mtime, ImageSequence sequence)
            throws ImageException {
        Entry cached = maxEntries == 0 ? null : entries.get(candidate);
        if (cached != null && cached.lastModified == mtime && cached.acquire()) {
            cached.lastUsed = clock.incrementAndGet();
            return new OpenImage(this, identifier, cached, false, sequence);
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
            return new OpenImage(this, identifier, fresh, cached != null, sequence);
        }
        Entry previous = entries.put(candidate, fresh);
        if (previous != null) {
            previous.retire();
        }
        evictIfFull();
        return new OpenImage(this, identifier, fresh, cached != null, sequence);
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
        sequences.flush();
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
        /** Histograms by stack page (docs/protocols.md 5.2 step 1), computed on first use. */
        final Map<Integer, int[]> histograms = new ConcurrentHashMap<>();
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
