package io.jinfer.executor;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.KvLayer;
import io.jinfer.memory.MemoryBudget;
import io.jinfer.memory.ZeroPages;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Fixed-size KV pages of one model and one storage format. A page holds {@link #PAGE_SIZE} positions of
 * keys and values for every layer. Pages given back are kept and handed out again at once; a new page
 * is charged to the memory budget before it is allocated, and stays charged while the pool keeps it.
 * Thread-safe.
 */
final class KvPagePool implements AutoCloseable {
    /** Positions per page. */
    static final int PAGE_SIZE = 16;

    /** One page: its memory, its budget charge, and its per-layer key and value slices. */
    static final class Page {
        final Arena arena;
        final MemoryBudget.Reservation reservation;
        final MemorySegment[] keys;
        final MemorySegment[] values;

        Page(Arena arena, MemoryBudget.Reservation reservation, MemorySegment[] keys, MemorySegment[] values) {
            this.arena = arena;
            this.reservation = reservation;
            this.keys = keys;
            this.values = values;
        }
    }

    private final ModelConfig config;
    private final QuantFormat format;
    private final MemoryBudget budget;
    private final long sliceBytes;
    private final ArrayDeque<Page> free = new ArrayDeque<>();
    private int allocated;
    private boolean closed;

    KvPagePool(ModelConfig config, QuantFormat format, MemoryBudget budget) {
        this.config = config;
        this.format = format;
        this.budget = budget;
        this.sliceBytes = KvLayer.bytesPerPage(format, config.kvDim(), PAGE_SIZE);
    }

    /** @return bytes of one page: keys and values of every layer */
    long pageBytes() {
        return pageBytes(config, format);
    }

    static long pageBytes(ModelConfig c, QuantFormat format) {
        return 2L * c.layers() * KvLayer.bytesPerPage(format, c.kvDim(), PAGE_SIZE);
    }

    /** @return pages needed for {@code positions} positions */
    static int pagesFor(long positions) {
        return Math.toIntExact((positions + PAGE_SIZE - 1) / PAGE_SIZE);
    }

    QuantFormat format() {
        return format;
    }

    /**
     * Takes {@code count} pages at once: free ones first, then new ones, all charged to the budget in one
     * reservation check before any is allocated, so a refusal leaves the pool as it was.
     */
    synchronized List<Page> take(int count, String what) {
        if (closed) {
            throw new IllegalStateException("the KV page pool is closed");
        }
        int fresh = Math.max(0, count - free.size());
        List<MemoryBudget.Reservation> charges = new ArrayList<>(fresh);
        if (fresh > 0) {
            // one check for the whole shortfall, so nothing is allocated when it cannot all fit
            budget.reserve((long) fresh * pageBytes(), what + " (" + fresh + " new KV pages of " + pageBytes()
                    + " bytes)").close();
        }
        List<Page> out = new ArrayList<>(count);
        try {
            while (out.size() < count && !free.isEmpty()) {
                out.add(free.pop());
            }
            while (out.size() < count) {
                out.add(allocate(what));
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            out.forEach(free::push);
            throw e;
        }
        return out;
    }

    /** Takes one page (see {@link #take(int, String)}). */
    Page take(String what) {
        return take(1, what).get(0);
    }

    private Page allocate(String what) {
        MemoryBudget.Reservation r = budget.reserve(pageBytes(), what + " (a KV page)");
        Arena arena = Arena.ofShared();
        try {
            MemorySegment block = ZeroPages.allocate(arena, pageBytes());
            int layers = config.layers();
            MemorySegment[] k = new MemorySegment[layers];
            MemorySegment[] v = new MemorySegment[layers];
            for (int l = 0; l < layers; l++) {
                k[l] = block.asSlice(2L * l * sliceBytes, sliceBytes);
                v[l] = block.asSlice((2L * l + 1) * sliceBytes, sliceBytes);
            }
            allocated++;
            return new Page(arena, r, k, v);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            r.close();
            throw e;
        }
    }

    /** Gives pages back; they are reused by the next {@link #take}. */
    synchronized void give(List<Page> pages) {
        if (closed) {
            pages.forEach(KvPagePool::release);
            return;
        }
        for (Page p : pages) {
            free.push(p);
        }
    }

    /** Frees the pages nobody holds and returns their bytes to the budget. */
    synchronized void trim() {
        while (!free.isEmpty()) {
            release(free.pop());
            allocated--;
        }
    }

    private static void release(Page p) {
        p.arena.close();
        p.reservation.close();
    }

    /** @return pages allocated (held by sequences or free) */
    synchronized int allocatedPages() {
        return allocated;
    }

    /** @return pages kept free for reuse */
    synchronized int freePages() {
        return free.size();
    }

    /** @return pages held by sequences now */
    synchronized int pagesInUse() {
        return allocated - free.size();
    }

    /** Frees the free pages; pages still held are freed when given back. */
    @Override
    public synchronized void close() {
        trim();
        closed = true;
    }
}
