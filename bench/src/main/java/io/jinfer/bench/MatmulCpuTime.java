package io.jinfer.bench;

import io.jinfer.api.spi.TensorView;
import io.jinfer.backend.cpu.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * Single-thread matmul throughput per CPU-second of the measuring thread, for comparing kernel
 * versions on a machine shared with other work: wall-clock benchmarks (JMH) there mostly measure the
 * neighbours, CPU time much less so. Prints GFLOP/s and weight GB/s per core (best of 10 rounds).
 *
 * <p>Usage: {@code MatmulCpuTime <bits: 0 = preferred, 256, 512> FORMAT:rows:cols:n ...}
 */
public final class MatmulCpuTime {
    private MatmulCpuTime() {}

    /**
     * @param args vector bits, then one or more {@code FORMAT:rows:cols:n}
     */
    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int bits = Integer.parseInt(args[0]);
        try (Arena arena = Arena.ofShared(); VectorKernels kernels = new VectorKernels(1, bits)) {
            for (int i = 1; i < args.length; i++) {
                String[] p = args[i].split(":");
                TensorView w = RandomWeights.tensor(arena, p[0], Integer.parseInt(p[1]),
                        Integer.parseInt(p[2]), 1);
                int n = Integer.parseInt(p[3]);
                float[] x = new float[n * w.columns()];
                for (int j = 0; j < x.length; j++) {
                    x[j] = (j % 17) * 0.01f - 0.08f;
                }
                float[] out = new float[n * w.rows()];
                double flopsPerCall = 2.0 * w.elementCount() * n;
                double best = 0;
                for (int round = 0; round < 10; round++) {
                    long start = mx.getCurrentThreadCpuTime();
                    long calls = 0;
                    while (mx.getCurrentThreadCpuTime() - start < 300_000_000L) {
                        kernels.matmul(w, x, out, n);
                        calls++;
                    }
                    double seconds = (mx.getCurrentThreadCpuTime() - start) / 1e9;
                    best = Math.max(best, calls / seconds);
                }
                System.out.printf(Locale.ROOT, "%-22s %-24s %8.1f calls/s %7.1f GFLOP/s %6.2f GB/s weights%n", args[i],
                        kernels.description(), best, best * flopsPerCall / 1e9,
                        best * w.data().byteSize() / 1e9);
            }
        }
    }
}
