package io.github.iipservlet.image.remote;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prefetched ranges of remote objects, kept until read or pushed out by newer ones (least
 * recently used first), bounded in bytes. Keyed by the object's identity (name and version), so a
 * replaced object never meets its old bytes.
 */
final class RangeCache {
    private record Key(String identity, long position, int length) {
    }

    private final long maxBytes;
    private long bytes;
    private final LinkedHashMap<Key, byte[]> ranges = new LinkedHashMap<>(64, 0.75f, true);

    RangeCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized void put(String identity, long position, byte[] data) {
        byte[] old = ranges.put(new Key(identity, position, data.length), data);
        bytes += data.length - (old == null ? 0 : old.length);
        var it = ranges.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Key, byte[]> e = it.next();
            bytes -= e.getValue().length;
            it.remove();
        }
    }

    /** The range if kept; it stays kept (a neighbouring request may read it too). */
    synchronized byte[] take(String identity, long position, int length) {
        return ranges.get(new Key(identity, position, length));
    }

    synchronized void clear() {
        ranges.clear();
        bytes = 0;
    }
}
