package io.github.iipservlet.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** memcached keys from view keys: readable when memcached takes them, else hashed, never over 250 bytes. */
class MemcachedKeyTest {

    @Test
    void shortKeysStayReadable() {
        assertEquals("iip:/img/a.tif@1700|3|t5|n|jpg75", MemcachedTileStore.memcachedKey("/img/a.tif@1700|3|t5|n|jpg75"));
    }

    @Test
    void spacesControlCharactersAndLongKeysAreHashed() {
        for (String viewKey : new String[] {"/img/with space.tif@1|0|t0", "/img/tab\t.tif@1|0|t0",
            "/img/" + "x".repeat(300) + ".tif@1|0|t0", "/img/é" + "é".repeat(130) + ".tif@1|0|t0"}) {
            String k = MemcachedTileStore.memcachedKey(viewKey);
            assertTrue(k.startsWith("iip:sha256:"), k);
            assertEquals(4 + 7 + 64, k.length());
            assertTrue(k.getBytes(StandardCharsets.UTF_8).length <= 250);
        }
        assertNotEquals(MemcachedTileStore.memcachedKey("/a b@1|0|t0"), MemcachedTileStore.memcachedKey("/a b@1|0|t1"));
    }

    @Test
    void theLongestReadableKeyFitsMemcached() {
        String viewKey = "k".repeat(246);
        assertEquals(250, MemcachedTileStore.memcachedKey(viewKey).length());
        assertTrue(MemcachedTileStore.memcachedKey(viewKey + "k").startsWith("iip:sha256:"));
    }
}
