package io.github.iipservlet.render;

import io.github.iipservlet.cache.TileStore;

/**
 * Which rendered views are kept, and where: in the tile store under the server's output
 * fingerprint and the view's key, except with a watermark, where none is. A watermark's placement
 * is drawn at random for each request, as in iipsrv, and a stored copy would freeze one draw for
 * everybody. The fingerprint keeps apart the entries of servers whose settings or codecs give
 * other bytes for the same view, in a memcached they share (docs/architecture.md 2.6).
 */
final class ViewCache {
    private final TileStore store;
    private final boolean storing;
    private final String prefix;

    ViewCache(TileStore store, boolean watermarked, OutputFingerprint fingerprint) {
        this.store = store;
        this.storing = !watermarked;
        this.prefix = fingerprint.hex() + "|";
    }

    /** The tile-store key of a view. */
    String key(View view) {
        return prefix + view.key();
    }

    /** The view's bytes when a render of it is kept, else null. */
    byte[] get(View view) {
        return storing ? store.get(key(view)) : null;
    }

    void put(View view, byte[] bytes) {
        if (storing) {
            store.put(key(view), bytes);
        }
    }
}
