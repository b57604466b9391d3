package io.jinfer.executor;

import io.jinfer.api.spi.KvLayer;
import java.util.ArrayList;
import java.util.List;

/**
 * A sequence's keys and values for every layer, in pages from a {@link KvPagePool}. It grows a page at a
 * time without moving what it holds; {@link #release()} gives every page back to the pool at once.
 * Used by one thread at a time.
 */
final class KvCache implements AutoCloseable {
    private final KvPagePool pool;
    private final KvLayer[] layers;
    private final List<KvPagePool.Page> pages = new ArrayList<>();
    private final String owner;

    /**
     * @param expectedPositions positions the page table is sized for (it grows past them)
     * @param owner what the pages are for, in budget errors
     */
    KvCache(ModelConfig c, KvPagePool pool, int expectedPositions, String owner) {
        this.pool = pool;
        this.owner = owner;
        int expectedPages = KvPagePool.pagesFor(expectedPositions);
        layers = new KvLayer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new KvLayer(pool.format(), c.kvDim(), KvPagePool.PAGE_SIZE, expectedPages);
        }
    }

    /** Makes sure positions {@code 0 .. positions - 1} have pages, taking the missing ones from the pool. */
    void ensureCapacity(int positions) {
        int missing = KvPagePool.pagesFor(positions) - pages.size();
        if (missing > 0) {
            for (KvPagePool.Page p : pool.take(missing, owner)) {
                pages.add(p);
                for (int l = 0; l < layers.length; l++) {
                    layers[l].addPage(p.keys[l], p.values[l]);
                }
            }
        }
    }

    /** @return positions the pages held can store */
    int capacity() {
        return pages.size() * KvPagePool.PAGE_SIZE;
    }

    /** @return pages held */
    int pageCount() {
        return pages.size();
    }

    KvLayer layer(int i) {
        return layers[i];
    }

    /** Gives every page back to the pool; the cache can grow again afterwards. */
    void release() {
        if (!pages.isEmpty()) {
            for (KvLayer l : layers) {
                l.clearPages();
            }
            pool.give(List.copyOf(pages));
            pages.clear();
        }
    }

    /**
     * Releases the pages and frees whatever the pool holds unused, so that closing a session gives its
     * memory back to the budget.
     */
    @Override
    public void close() {
        release();
        pool.trim();
    }
}
