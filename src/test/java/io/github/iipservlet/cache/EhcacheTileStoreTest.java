package io.github.iipservlet.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class EhcacheTileStoreTest {

    @Test
    void keepsValuesAcrossTiersAndSkipsOversizedOnes() {
        try (EhcacheTileStore store = new EhcacheTileStore(2 * 1_024_000L)) {
            byte[] tile = new byte[30_000];
            tile[7] = 42;
            store.put("a", tile);
            assertArrayEquals(tile, store.get("a"));
            // Far more than the heap tier holds: early entries move to off-heap or are evicted, never corrupted.
            for (int i = 0; i < 200; i++) {
                byte[] v = new byte[5_000];
                v[0] = (byte) i;
                store.put("k" + i, v);
            }
            byte[] last = store.get("k199");
            assertArrayEquals(new byte[] {(byte) 199}, new byte[] {last[0]});
            store.put("huge", new byte[5 * 1024 * 1024]);
            assertNull(store.get("huge"));
            store.clear();
            assertNull(store.get("a"));
        }
    }

    /**
     * Tiles mixed with large renders, from three threads: a put never throws and a hit is always
     * the value put. Ehcache's off-heap store threw AssertionError from put (with assertions off
     * too) once values of a large part of a segment came in (the fuzzer: a 1 MB CVT in the default
     * 10 MB store), failing the request.
     */
    @Test
    void mixedSizesFromSeveralThreadsNeverFailAndNeverCorrupt() throws Exception {
        try (EhcacheTileStore store = new EhcacheTileStore(10_240_000L)) {
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
            Thread[] threads = new Thread[3];
            for (int t = 0; t < threads.length; t++) {
                int seed = t;
                threads[t] = new Thread(() -> {
                    java.util.Random r = new java.util.Random(seed);
                    try {
                        for (int i = 0; i < 20_000; i++) {
                            int k = r.nextInt(3000);
                            store.put("k" + k, value(k));
                            int q = r.nextInt(3000);
                            byte[] got = store.get("k" + q);
                            if (got != null) {
                                hits.incrementAndGet();
                                assertArrayEquals(value(q), got, "key " + q);
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("the store failed", failure.get());
            }
            org.junit.jupiter.api.Assertions.assertTrue(hits.get() > 1000, "hits: " + hits.get());
        }
    }

    /** One key's value: a tile-sized array, or for one key in ten up to 1.3 MB (a large CVT). */
    private static byte[] value(int k) {
        int size = k % 10 == 0 ? (k * 433) % 1_300_000 + 1 : (k * 31) % 60_000 + 100;
        byte[] v = new byte[size];
        java.util.Arrays.fill(v, (byte) k);
        v[size - 1] = (byte) (k >> 8);
        return v;
    }
}
