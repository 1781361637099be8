package io.github.iipservlet.render;

import io.github.iipservlet.cache.TileStore;

/**
 * Which rendered views are kept, and where: in the tile store under the view's key, except with a
 * watermark, where none is. A watermark's placement is drawn at random for each request, as in
 * iipsrv, and a stored copy would freeze one draw for everybody.
 */
final class ViewCache {
    private final TileStore store;
    private final boolean storing;

    ViewCache(TileStore store, boolean watermarked) {
        this.store = store;
        this.storing = !watermarked;
    }

    /** The view's bytes when a render of it is kept, else null. */
    byte[] get(View view) {
        return storing ? store.get(view.key()) : null;
    }

    void put(View view, byte[] bytes) {
        if (storing) {
            store.put(view.key(), bytes);
        }
    }
}
