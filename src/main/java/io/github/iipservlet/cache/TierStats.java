package io.github.iipservlet.cache;

/**
 * What one tier of the tile store reports to /health.
 *
 * @param tier      "ehcache" or "memcached"
 * @param entries   entries held, or -1 when the tier cannot tell (memcached is shared)
 * @param bytes     bytes held, or -1 when unknown
 * @param hits      look-ups answered since start
 * @param misses    look-ups not answered (errors and timeouts included)
 * @param reachable false while a remote tier cannot be reached; always true for a local one
 */
public record TierStats(String tier, long entries, long bytes, long hits, long misses, boolean reachable) {

    /** Hits over look-ups, 0 before the first. */
    public double hitRatio() {
        long lookups = hits + misses;
        return lookups == 0 ? 0 : (double) hits / lookups;
    }
}
