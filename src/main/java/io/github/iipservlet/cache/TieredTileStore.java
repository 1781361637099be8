package io.github.iipservlet.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * The local store in front of a shared one (Ehcache, then memcached): a look-up tries the local
 * tier, then the shared one, keeping a shared hit locally; a render is written to both.
 */
public final class TieredTileStore implements TileStore {
    private final TileStore local;
    private final TileStore shared;

    public TieredTileStore(TileStore local, TileStore shared) {
        this.local = local;
        this.shared = shared;
    }

    @Override
    public byte[] get(String key) {
        byte[] value = local.get(key);
        if (value == null) {
            value = shared.get(key);
            if (value != null) {
                local.put(key, value);
            }
        }
        return value;
    }

    @Override
    public void put(String key, byte[] value) {
        local.put(key, value);
        shared.put(key, value);
    }

    @Override
    public void clear() {
        local.clear();
        shared.clear();
    }

    @Override
    public List<TierStats> stats() {
        List<TierStats> all = new ArrayList<>(local.stats());
        all.addAll(shared.stats());
        return all;
    }

    @Override
    public void close() {
        try {
            local.close();
        } finally {
            shared.close();
        }
    }
}
