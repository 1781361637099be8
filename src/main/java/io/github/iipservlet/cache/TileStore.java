package io.github.iipservlet.cache;

/**
 * Encoded tiles and region renders, keyed by the normalised view's key, shared by every protocol.
 * Implementations are thread-safe; values are never modified after {@link #put}.
 */
public interface TileStore extends AutoCloseable {

    /** The stored bytes, or null. */
    byte[] get(String key);

    void put(String key, byte[] value);

    /** Removes every entry (iipsrv's SIGHUP). */
    void clear();

    /** Each tier's figures, for /health; none for a store that keeps nothing. */
    default java.util.List<TierStats> stats() {
        return java.util.List.of();
    }

    @Override
    void close();

    /** A store that keeps nothing (MAX_IMAGE_CACHE_SIZE=0). */
    TileStore NONE = new TileStore() {
        @Override
        public byte[] get(String key) {
            return null;
        }

        @Override
        public void put(String key, byte[] value) {
        }

        @Override
        public void clear() {
        }

        @Override
        public void close() {
        }
    };
}
