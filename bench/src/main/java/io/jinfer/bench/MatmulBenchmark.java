package io.jinfer.bench;

import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.TensorView;
import io.jinfer.backend.cpu.VectorKernels;
import java.lang.foreign.Arena;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Matrix product of the vector kernels per weight format: {@code rows × cols} weights times
 * {@code n} tokens. Reports matmuls per second; each iteration also prints the weight bytes
 * streamed per second (GB/s) and, for n > 1, GFLOP/s, which is what decode and prefill speed follow.
 *
 * <p>Run: see bench/README.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MatmulBenchmark {

    /**
     * Weight format, or a scaled checkpoint layout ({@code F8_E4M3}: FP8 with per-channel scales;
     * {@code NVFP4_CKPT}: E2M1 with E4M3 scales per 16 and a global scale; more in
     * {@link RandomWeights#tensor(Arena, String, int, int, long)}). Q8_0, Q4_0, Q4_K and Q6_K run the
     * native kernels where they are loaded (add {@code -jvmArgsAppend -Djinfer.cpu.native=false} for
     * the Java ones).
     */
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q6_K", "Q5_K", "Q3_K", "Q2_K",
        "IQ4_NL", "IQ4_XS", "MXFP4", "NVFP4", "F8_E4M3", "NVFP4_CKPT"})
    public String format;

    /** Weight shape, rows x columns. */
    @Param({"2048x2048", "8192x2048"})
    public String shape;

    /** Tokens (activation rows). */
    @Param({"1", "64"})
    public int n;

    /** Kernel threads. */
    @Param({"2"})
    public int threads;

    /** Vector width in bits; 0 for the CPU's preferred width (256 shows what AVX2 machines get). */
    @Param({"0"})
    public int bits;

    private Arena arena;
    private Kernels kernels;
    private TensorView weight;
    private float[] x;
    private float[] out;
    private long calls;
    private long started;

    /** Builds random weights and activations. */
    @Setup(Level.Trial)
    public void setUp() {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        arena = Arena.ofShared();
        weight = RandomWeights.tensor(arena, format, rows, cols, 1);
        Random rnd = new Random(2);
        x = new float[n * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat() - 0.5f;
        }
        out = new float[n * rows];
        kernels = new VectorKernels(threads, bits);
    }

    /** Starts the per-iteration byte count. */
    @Setup(Level.Iteration)
    public void startIteration() {
        calls = 0;
        started = System.nanoTime();
    }

    /** Prints weight GB/s and GFLOP/s of the iteration that just ended. */
    @TearDown(Level.Iteration)
    public void endIteration() {
        double seconds = (System.nanoTime() - started) / 1e9;
        double bytes = (double) weight.data().byteSize() * calls;
        double flops = 2.0 * weight.elementCount() * n * calls;
        System.out.printf("  [%s %s n=%d %s] %.2f GB/s of weights, %.1f GFLOP/s%n", format, shape, n,
                kernels.description(), bytes / seconds / 1e9, flops / seconds / 1e9);
    }

    /** Frees the weights and stops the threads. */
    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
        arena.close();
    }

    /** One matrix product. */
    @Benchmark
    public float matmul() {
        kernels.matmul(weight, x, out, n);
        calls++;
        return out[0];
    }
}
