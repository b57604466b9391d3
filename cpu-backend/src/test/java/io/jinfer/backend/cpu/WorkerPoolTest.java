package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The worker pool: coverage, use of every thread, failures and shutdown. */
class WorkerPoolTest {

    @Test
    void everyItemIsProcessedExactlyOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int[] job : new int[][] {{1, 16}, {37, 16}, {1000, 7}, {64, 64}, {5, 1}, {0, 4}}) {
                for (int repeat = 0; repeat < 200; repeat++) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(1, job[0]));
                    pool.run((thread, start, end) -> {
                        assertTrue(start < end && end - start <= job[1], start + ".." + end);
                        for (int i = start; i < end; i++) {
                            seen.incrementAndGet(i);
                        }
                    }, job[0], job[1]);
                    for (int i = 0; i < job[0]; i++) {
                        assertEquals(1, seen.get(i), "item " + i + " of " + job[0]);
                    }
                }
            }
        }
    }

    @Test
    void threadIndicesAreInRangeAndWorkersTakePart() throws Exception {
        try (WorkerPool pool = new WorkerPool(3)) {
            Set<Integer> indices = ConcurrentHashMap.newKeySet();
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            for (int repeat = 0; repeat < 50 && indices.size() < 3; repeat++) {
                pool.run((thread, start, end) -> {
                    indices.add(thread);
                    threads.add(Thread.currentThread());
                    try {
                        Thread.sleep(1); // give every thread time to take a chunk
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, 30, 1);
            }
            assertEquals(Set.of(0, 1, 2), indices);
            assertEquals(3, threads.size());
            assertTrue(threads.contains(Thread.currentThread()), "the caller works too");
        }
    }

    @Test
    void aWorkerExceptionIsRethrownToTheCaller() {
        try (WorkerPool pool = new WorkerPool(3)) {
            IllegalStateException boom = new IllegalStateException("boom");
            var thrown = assertThrows(IllegalStateException.class, () -> pool.run((thread, start, end) -> {
                if (thread != 0) {
                    throw boom;
                }
                try {
                    Thread.sleep(5); // the caller stays busy so a worker gets chunks
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, 100, 1));
            assertSame(boom, thrown);
            // the pool is still usable afterwards
            AtomicIntegerArray seen = new AtomicIntegerArray(50);
            pool.run((thread, start, end) -> {
                for (int i = start; i < end; i++) {
                    seen.incrementAndGet(i);
                }
            }, 50, 3);
            for (int i = 0; i < 50; i++) {
                assertEquals(1, seen.get(i));
            }
            assertThrows(AssertionError.class, () -> pool.run((thread, start, end) -> {
                throw new AssertionError("error from thread " + thread);
            }, 10, 1));
        }
    }

    @Test
    void closeStopsTheThreads() throws Exception {
        WorkerPool pool = new WorkerPool(4);
        pool.run((thread, start, end) -> { }, 100, 1);
        Thread.sleep(5); // let the workers park
        pool.close();
        assertTrue(pool.workersStopped(), "worker threads ended");
        assertThrows(IllegalStateException.class, () -> pool.run((thread, start, end) -> { }, 10, 1));
        pool.close(); // twice is harmless
    }

    @Test
    void oneThreadRunsInline() {
        try (WorkerPool pool = new WorkerPool(1)) {
            int[] calls = new int[1];
            Thread caller = Thread.currentThread();
            pool.run((thread, start, end) -> {
                assertEquals(0, thread);
                assertSame(caller, Thread.currentThread());
                calls[0] += end - start;
            }, 40, 16);
            assertEquals(40, calls[0]);
            assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0));
        }
    }
}
