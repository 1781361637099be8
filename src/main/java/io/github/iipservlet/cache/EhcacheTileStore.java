package io.github.iipservlet.cache;

import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.config.units.EntryUnit;
import org.ehcache.config.units.MemoryUnit;
import org.ehcache.core.internal.statistics.DefaultStatisticsService;
import org.ehcache.core.statistics.CacheStatistics;
import org.ehcache.core.statistics.TierStatistics;

/**
 * The in-process tile store: Ehcache 3 with a small on-heap tier counted in entries (hot tiles are
 * served from it by reference, no copy) over an off-heap tier sized by MAX_IMAGE_CACHE_SIZE.
 * A byte-sized heap tier would need Ehcache's reflective size-of engine, which logs warnings
 * and stack traces on Java 17; counting entries avoids it.
 */
public final class EhcacheTileStore implements TileStore {
    /** Typical encoded tile size, used to turn the byte budget into a heap entry count. */
    private static final long TYPICAL_ENTRY_BYTES = 32 * 1024;
    private final CacheManager manager;
    /** Ehcache's own counters (kept by it in any case), read for /health. */
    private final DefaultStatisticsService statistics = new DefaultStatisticsService();
    private final Cache<String, byte[]> cache;
    private final long maxEntryBytes;
    private final Object putLock = new Object();
    private static final org.apache.logging.log4j.Logger LOG =
            org.apache.logging.log4j.LogManager.getLogger(EhcacheTileStore.class);

    /** @param bytes the off-heap budget in bytes (at least 1 MB is used) */
    public EhcacheTileStore(long bytes) {
        long offHeapMb = Math.max(1, (bytes + (1 << 20) - 1) >> 20);
        // Ehcache refuses values larger than an off-heap segment can hold; skip those instead.
        this.maxEntryBytes = Math.max(64 * 1024, (offHeapMb << 20) / 8);
        long heapEntries = Math.max(16, Math.min(4096, bytes / TYPICAL_ENTRY_BYTES / 2));
        manager = CacheManagerBuilder.newCacheManagerBuilder()
                .using(statistics)
                .withCache("tiles", CacheConfigurationBuilder.newCacheConfigurationBuilder(String.class, byte[].class,
                        ResourcePoolsBuilder.newResourcePoolsBuilder()
                                .heap(heapEntries, EntryUnit.ENTRIES)
                                .offheap(offHeapMb, MemoryUnit.MB)))
                .build(true);
        cache = manager.getCache("tiles", String.class, byte[].class);
    }

    @Override
    public byte[] get(String key) {
        return cache.get(key);
    }

    /**
     * Stores a value, one put at a time: Ehcache's off-heap store throws AssertionError (with
     * assertions off too) from concurrent puts that make it evict under pressure, Ehcache issue
     * 3306, still open for 3.12 (found by the fuzzer: a 1 MB CVT next to tile renders failed its
     * request). Serialised, 20,000 mixed puts from three threads never failed; puts are one per
     * render, rare beside the gets, which stay concurrent. Should it fail anyway, the value is
     * not stored and the request goes on.
     */
    @Override
    public void put(String key, byte[] value) {
        if (value.length > maxEntryBytes) {
            return;
        }
        try {
            synchronized (putLock) {
                cache.put(key, value);
            }
        } catch (RuntimeException | AssertionError e) {
            LOG.warn("the tile store refused an entry of {} bytes ({}): not stored", value.length, e.toString());
        }
    }

    /** Entries and bytes as the off-heap tier holds them (every entry is there; the heap tier keeps copies). */
    @Override
    public java.util.List<TierStats> stats() {
        CacheStatistics s = statistics.getCacheStatistics("tiles");
        TierStatistics offHeap = s.getTierStatistics().get("OffHeap");
        long entries = offHeap == null ? -1 : offHeap.getMappings();
        long bytes = offHeap == null ? -1 : offHeap.getOccupiedByteSize();
        return java.util.List.of(new TierStats("ehcache", entries, bytes, s.getCacheHits(), s.getCacheMisses(), true));
    }

    @Override
    public void clear() {
        cache.clear();
    }

    @Override
    public void close() {
        manager.close();
    }
}
