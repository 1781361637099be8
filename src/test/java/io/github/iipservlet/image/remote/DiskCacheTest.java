package io.github.iipservlet.image.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk cache of whole remote files (docs/decisions.md Decision 34) and the coalescing of ranges. */
class DiskCacheTest {

    @Test
    void leastRecentlyUsedCopiesGoFirstButNeverOneInUse(@TempDir Path dir) throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        try (DiskCache cache = new DiskCache(dir, 1000)) {
            DiskCache.Fetch bytes400 = f -> {
                fetches.incrementAndGet();
                Files.write(f, new byte[400]);
            };
            Path a = cache.acquire("a@1", bytes400);
            Path b = cache.acquire("b@1", bytes400);
            cache.release("b@1");
            assertEquals(a, cache.acquire("a@1", bytes400), "a kept copy is not fetched again");
            assertEquals(2, fetches.get());
            // 1200 bytes: b (unused, least recently used) goes; a is held twice and stays.
            Path c = cache.acquire("c@1", bytes400);
            assertFalse(Files.exists(b));
            assertTrue(Files.exists(a) && Files.exists(c));
            assertEquals(800, cache.bytes());
            // Held copies stay even when the cache is over its size; released, they go.
            Path d = cache.acquire("d@1", bytes400);
            assertEquals(1200, cache.bytes());
            cache.release("a@1");
            cache.release("a@1");
            assertFalse(Files.exists(a));
            assertTrue(Files.exists(c) && Files.exists(d));
            // Another version of a name is another copy.
            assertFalse(cache.acquire("c@2", bytes400).equals(c));
        }
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "closing empties the folder");
        }
    }

    @Test
    void aFailedFetchLeavesNothing(@TempDir Path dir) throws Exception {
        try (DiskCache cache = new DiskCache(dir, 1000)) {
            try {
                cache.acquire("x@1", f -> {
                    Files.write(f, new byte[10]);
                    throw new java.io.IOException("store gone");
                });
            } catch (java.io.IOException expected) {
                // as the store said
            }
            try (var left = Files.list(dir)) {
                assertEquals(0, left.count());
            }
            assertEquals(0, cache.bytes());
        }
    }

    @Test
    void neighboursAreMergedFarRangesAreNot() {
        // Three tiles in a row, one 100 KB further on, one before them all (unsorted input).
        long[] positions = {1000, 1500, 2100, 300_000, 10};
        int[] lengths = {500, 600, 400, 700, 90};
        List<long[]> ranges = Coalescing.merge(positions, lengths, 64 * 1024, 16 << 20);
        assertEquals(2, ranges.size());
        assertArrayEquals(new long[] {10, 2500}, ranges.get(0));
        assertArrayEquals(new long[] {300_000, 300_700}, ranges.get(1));
        // A merged range stays within its largest size.
        assertEquals(3, Coalescing.merge(new long[] {0, 100, 200}, new int[] {100, 100, 100}, 64, 150).size());
    }
}
