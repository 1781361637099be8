package io.github.iipservlet.image;

/**
 * An image checked out of the {@link ImageStore} for one request. Close it when the request is
 * done so the pool can retire readers of replaced files.
 */
public final class OpenImage implements AutoCloseable {
    /** The identifier as the client gave it (decoded). */
    public final String identifier;
    private final ImageStore.Entry entry;
    /** True when the file changed since it was last opened (iipsrv then sends no 304). */
    public final boolean reloaded;

    OpenImage(String identifier, ImageStore.Entry entry, boolean reloaded) {
        this.identifier = identifier;
        this.entry = entry;
        this.reloaded = reloaded;
    }

    public ImageInfo info() {
        return entry.reader.info();
    }

    public PyramidReader reader() {
        return entry.reader;
    }

    /** Stable name of the file for cache keys: its real path and modification time. */
    public String cacheIdentity() {
        return entry.identity;
    }

    /** The image's histogram (spec 5.2 step 1), computed once per opened file by {@code compute}. */
    public int[] histogram(HistogramSource compute) throws ImageException {
        int[] h = entry.histogram;
        if (h == null) {
            h = compute.compute(this);
            entry.histogram = h;
        }
        return h;
    }

    /** Computes an image's histogram from its pixels. */
    public interface HistogramSource {
        int[] compute(OpenImage image) throws ImageException;
    }

    @Override
    public void close() {
        entry.release();
    }
}
