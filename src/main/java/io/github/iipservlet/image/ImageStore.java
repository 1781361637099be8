package io.github.iipservlet.image;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The context-wide pool of open pyramid readers, which is also iipsrv's image metadata cache: one
 * entry per name, valid while its object is unchanged, so a replaced file or object is re-read.
 * A local file is checked on every request (a {@code stat}); a remote object is trusted for
 * REMOTE_METADATA_TTL seconds, then checked by one conditional request while other requests go on
 * using the entry (docs/operations.md "Object storage"). Bounded by MAX_METADATA_CACHE_SIZE entries
 * (0: every request opens and closes its own reader; -1: unbounded). A reader evicted or replaced
 * while requests still use it is closed when the last of them is done.
 *
 * <p>An identifier that names no object may name an image sequence (docs/protocols.md 9.5): it then
 * opens the sequence's 0/90 file, and {@link OpenImage#view} opens the file of other angles.
 */
public final class ImageStore implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ImageStore.class);

    /** Opens a reader for an object of a source; {@code ImageFormats.open} in production. */
    @FunctionalInterface
    public interface Opener {
        PyramidReader open(ImageSource source, StoredObject object) throws ImageException;
    }

    private final ImageSource source;
    private final String suffix;
    private final int maxEntries;
    private final Opener opener;
    private final ImageSequence.Finder sequences;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();

    /**
     * @param suffix          FILESYSTEM_SUFFIX, added to identifiers
     * @param filenamePattern FILENAME_PATTERN, the separator of image sequence file names
     */
    public ImageStore(ImageSource source, String suffix, int maxEntries, Opener opener, String filenamePattern) {
        this.source = source;
        this.suffix = suffix;
        this.maxEntries = maxEntries;
        this.opener = opener;
        this.sequences = new ImageSequence.Finder(source, filenamePattern);
    }

    public ImageSource source() {
        return source;
    }

    /** FILESYSTEM_SUFFIX: identifiers are names without it. */
    public String suffix() {
        return suffix;
    }

    /**
     * Checks out the image an identifier names.
     *
     * @throws ImageException NOT_FOUND for a refused or missing image, UNSUPPORTED or CORRUPT from the
     *                        reader, UNAVAILABLE when its store does not answer
     */
    public OpenImage open(String identifier) throws ImageException {
        if (!ImagePaths.isSafeIdentifier(identifier)) {
            throw notFound();
        }
        OpenImage image = openNamed(identifier, identifier + suffix, null);
        if (image != null) {
            return image;
        }
        // Not an object: perhaps the stem of an image sequence, whose first view stands for it.
        ImageSequence sequence = sequences.find(identifier);
        return openView(identifier, sequence, 0, 90, sequence);
    }

    /** The file of one view of a sequence; {@code keep} is the sequence the image reports, or null. */
    OpenImage openView(String identifier, ImageSequence sequence, int horizontal, int vertical, ImageSequence keep)
            throws ImageException {
        OpenImage image = openNamed(identifier, sequence.file(horizontal, vertical), keep);
        if (image == null) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "Image sequence has no view " + horizontal
                    + "," + vertical);
        }
        return image;
    }

    /** The image of one name from its entry, checked or re-read as its source needs; null when there is none. */
    private OpenImage openNamed(String identifier, String name, ImageSequence sequence) throws ImageException {
        Entry cached = maxEntries == 0 ? null : entries.get(name);
        if (cached != null && cached.fresh(source) && cached.acquire()) {
            return checkedOut(identifier, cached, false, sequence);
        }
        StoredObject object = cached != null ? revalidate(name, cached) : source.find(name);
        if (object == null) {
            return null;
        }
        if (cached != null && object == cached.object && cached.acquire()) {
            return checkedOut(identifier, cached, false, sequence);
        }
        return open(identifier, name, object, cached != null, sequence);
    }

    /**
     * The entry's object asked for again: itself when unchanged (then trusted for another period),
     * else the new one or null. Only one request at a time asks; the others meanwhile go on with the
     * entry as it is, so an expired entry costs one conditional request, not one per request. While
     * the store does not answer, the entry goes on being used: its tiles in the cache are still
     * right for it, and reading new ones fails on its own (503).
     */
    private StoredObject revalidate(String name, Entry cached) throws ImageException {
        boolean remote = source.revalidateAfterMillis() > 0;
        if (remote && !cached.revalidating.compareAndSet(false, true)) {
            return cached.object;
        }
        try {
            StoredObject now = source.revalidate(cached.object);
            if (now == cached.object) {
                cached.validatedAt = System.nanoTime();
            } else if (now == null && entries.remove(name, cached)) {
                cached.retire();
            }
            return now;
        } catch (ImageException e) {
            if (remote && e.kind() == ImageException.Kind.UNAVAILABLE) {
                LOG.debug("{} not revalidated: {}", name, e.getMessage());
                return cached.object;
            }
            throw e;
        } finally {
            if (remote) {
                cached.revalidating.set(false);
            }
        }
    }

    private OpenImage checkedOut(String identifier, Entry entry, boolean reloaded, ImageSequence sequence) {
        entry.lastUsed = clock.incrementAndGet();
        return new OpenImage(this, identifier, entry, reloaded, sequence);
    }

    private OpenImage open(String identifier, String name, StoredObject object, boolean reloaded,
            ImageSequence sequence) throws ImageException {
        PyramidReader reader;
        try {
            reader = opener.open(source, object);
        } catch (ImageException e) {
            LOG.info("cannot open {}: {}", name, e.getMessage());
            throw e;
        }
        // The first 64 KB a remote find read have served the opening: not kept for every open image.
        Entry fresh = new Entry(reader, object.withoutHead());
        fresh.acquire();
        fresh.lastUsed = clock.incrementAndGet();
        if (maxEntries == 0) {
            fresh.retire();
            return new OpenImage(this, identifier, fresh, reloaded, sequence);
        }
        Entry previous = entries.put(name, fresh);
        if (previous != null) {
            previous.retire();
        }
        evictIfFull();
        return new OpenImage(this, identifier, fresh, reloaded, sequence);
    }

    private void evictIfFull() {
        if (maxEntries < 0) {
            return;
        }
        while (entries.size() > maxEntries) {
            Map.Entry<String, Entry> oldest = null;
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
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
        source.flush();
        for (String key : entries.keySet()) {
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
        source.close();
    }

    private static ImageException notFound() {
        return new ImageException(ImageException.Kind.NOT_FOUND, "Image not found");
    }

    /** One open object: its reader, shared by the requests that hold it. */
    static final class Entry {
        final PyramidReader reader;
        final StoredObject object;
        final String identity;
        volatile long lastUsed;
        /** When the object was last found unchanged ({@link System#nanoTime}). */
        volatile long validatedAt = System.nanoTime();
        final AtomicBoolean revalidating = new AtomicBoolean();
        /** Histograms by stack page (docs/protocols.md 5.2 step 1), computed on first use. */
        final Map<Integer, int[]> histograms = new ConcurrentHashMap<>();
        /** Requests holding the entry, plus one for the pool while it is cached; -1 once closed. */
        private final AtomicInteger holders = new AtomicInteger(1);

        Entry(PyramidReader reader, StoredObject object) {
            this.reader = reader;
            this.object = object;
            this.identity = object.identity();
        }

        /** True while the entry may be used without asking its source. */
        boolean fresh(ImageSource source) {
            long ttl = source.revalidateAfterMillis();
            return ttl > 0 && System.nanoTime() - validatedAt < ttl * 1_000_000L && !source.stale(object);
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
