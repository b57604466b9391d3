package io.jinfer.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures the machine's memory read bandwidth: a streaming read of an off-heap buffer much larger
 * than the last-level cache, by one thread and by several, as the median of a few passes.
 *
 * <p>Decode speed of a dense model is bounded by how fast its weights can be streamed from memory
 * (each generated token reads every weight matrix once), so this number turns a tokens/s figure
 * into a fraction of what the hardware allows. The default buffer is 2 GiB, larger than any
 * current L3 (server parts report up to ~0.5 GiB), and the whole probe takes a few seconds, so
 * {@link #cached(int)} remembers the result for the life of the JVM.
 */
public final class BandwidthProbe {
    /** Buffer size of {@link #cached(int)}: 2 GiB, several times any last-level cache. */
    public static final long DEFAULT_BYTES = 2L << 30;
    /** Timed passes of {@link #cached(int)}; the median is reported. */
    public static final int DEFAULT_PASSES = 3;

    private static final Map<Integer, Result> CACHE = new ConcurrentHashMap<>();

    private BandwidthProbe() {}

    /**
     * Read bandwidth with one thread and with {@code threads} threads.
     *
     * @param bufferBytes size of the buffer read in each pass
     * @param threads threads of the second measurement (each reads its own contiguous slice)
     * @param singleThreadGbps median GB/s (10^9 bytes per second) of one thread
     * @param gbps median GB/s of {@code threads} threads together
     */
    public record Result(long bufferBytes, int threads, double singleThreadGbps, double gbps) {
        /**
         * @param bytesPerToken bytes of weights read per generated token
         * @return the decode speed (tokens/s) at which those reads would saturate {@link #gbps()}
         * @throws IllegalArgumentException when {@code bytesPerToken} is not positive
         */
        public double ceilingTokensPerSecond(long bytesPerToken) {
            if (bytesPerToken <= 0) {
                throw new IllegalArgumentException("bytes per token must be > 0, got " + bytesPerToken);
            }
            return gbps * 1e9 / bytesPerToken;
        }
    }

    /**
     * Measures once per thread count with {@link #DEFAULT_BYTES} and {@link #DEFAULT_PASSES}, and
     * returns the remembered result afterwards.
     *
     * @param threads threads of the multi-threaded measurement, at least 1
     * @return the result
     */
    public static Result cached(int threads) {
        checkThreads(threads);
        return CACHE.computeIfAbsent(threads, t -> measure(DEFAULT_BYTES, t, DEFAULT_PASSES));
    }

    /**
     * Measures now (no caching).
     *
     * @param bufferBytes buffer size, a multiple of 64 and at least 64 per thread
     * @param threads threads of the multi-threaded measurement, at least 1
     * @param passes timed passes per measurement (after one untimed pass), at least 1
     * @return the result
     * @throws IllegalArgumentException on a bad argument
     */
    public static Result measure(long bufferBytes, int threads, int passes) {
        checkThreads(threads);
        if (passes < 1) {
            throw new IllegalArgumentException("passes must be >= 1, got " + passes);
        }
        if (bufferBytes < 64L * threads || bufferBytes % 64 != 0) {
            throw new IllegalArgumentException("buffer must be a multiple of 64 bytes and at least 64 per thread, got "
                    + bufferBytes);
        }
        try (Arena arena = Arena.ofShared();
                ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "jinfer-bandwidth-probe");
                    t.setDaemon(true);
                    return t;
                })) {
            // The allocation zero-fills the buffer, which also faults every page in before timing.
            MemorySegment buffer = arena.allocate(bufferBytes, 4096);
            double one = medianGbps(buffer, 1, passes, pool);
            double many = threads == 1 ? one : medianGbps(buffer, threads, passes, pool);
            return new Result(bufferBytes, threads, one, many);
        }
    }

    private static void checkThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
    }

    private static double medianGbps(MemorySegment buffer, int threads, int passes, ExecutorService pool) {
        long size = buffer.byteSize();
        long slice = size / threads / 64 * 64;
        double[] gbps = new double[passes];
        for (int pass = -1; pass < passes; pass++) {
            List<Future<Long>> parts = new ArrayList<>(threads);
            long t0 = System.nanoTime();
            for (int i = 0; i < threads; i++) {
                long from = i * slice;
                long to = i == threads - 1 ? size : from + slice;
                parts.add(pool.submit(() -> read(buffer, from, to)));
            }
            long sink = 0;
            for (Future<Long> part : parts) {
                sink += join(part);
            }
            long ns = System.nanoTime() - t0;
            if (sink == 42) {
                // Never true for a zeroed buffer; keeps the reads observable so they are not removed.
                Thread.onSpinWait();
            }
            if (pass >= 0) {
                gbps[pass] = (double) size / ns;
            }
        }
        Arrays.sort(gbps);
        return gbps[passes / 2];
    }

    private static long join(Future<Long> part) {
        try {
            return part.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bandwidth probe interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("bandwidth probe failed", e.getCause());
        }
    }

    /**
     * Streams {@code [from, to)} (64-byte aligned) through the cache: one load per 64-byte line pulls
     * the whole line from memory, and keeps the loop cheap enough that memory, not the core, is the
     * limit (with every long loaded, scalar code would measure the core's load throughput instead).
     * Four independent sums let the loads overlap.
     */
    private static long read(MemorySegment s, long from, long to) {
        long a = 0, b = 0, c = 0, d = 0;
        long off = from;
        for (; off + 256 <= to; off += 256) {
            a += s.get(ValueLayout.JAVA_LONG, off);
            b += s.get(ValueLayout.JAVA_LONG, off + 64);
            c += s.get(ValueLayout.JAVA_LONG, off + 128);
            d += s.get(ValueLayout.JAVA_LONG, off + 192);
        }
        for (; off < to; off += 64) {
            a += s.get(ValueLayout.JAVA_LONG, off);
        }
        return a + b + c + d;
    }
}
