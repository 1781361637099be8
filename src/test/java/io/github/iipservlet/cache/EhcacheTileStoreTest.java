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
}
