package io.jinfer.bench;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import io.jinfer.backend.opencl.OpenClBackend;
import io.jinfer.backend.opencl.OpenClKernels;
import io.jinfer.backend.opencl.WeightResidency;
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
 * Matrix product on the OpenCL device with the weights copied to the device once
 * ({@code COPIED}) or read in place from host memory ({@code IN_PLACE}, {@code CL_MEM_USE_HOST_PTR}).
 * The trial setup prints what the first product cost (program build aside: the buffer is made then,
 * so a copy shows there); the score is products per second afterwards.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class OpenClMatmulBenchmark {

    /** Weight format. */
    @Param({"Q4_0", "Q8_0"})
    public String format;

    /** Where the weights live. */
    @Param({"COPIED", "IN_PLACE"})
    public String residency;

    /** Weight shape, rows x columns. */
    @Param({"8192x2048"})
    public String shape;

    /** Tokens (activation rows). */
    @Param({"1"})
    public int n;

    private Arena arena;
    private OpenClKernels kernels;

    /** Created by JMH. */
    public OpenClMatmulBenchmark() {
        // state is made in setUp
    }
    private TensorView weight;
    private float[] x;
    private float[] out;

    /** Builds random weights, then times the first product (buffer creation, and the copy if any). */
    @Setup(Level.Trial)
    public void setUp() {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        arena = Arena.ofShared();
        Random rnd = new Random(2);
        x = new float[n * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat() - 0.5f;
        }
        out = new float[n * rows];
        kernels = new OpenClKernels(new OpenClBackend().selectedDevice(), WeightResidency.valueOf(residency));
        // build the format's program on a small tensor first, so the timing below is the weight's alone
        TensorView small = RandomWeights.tensor(arena, QuantFormat.valueOf(format), 4, cols, 3);
        kernels.matmul(small, x, new float[4 * n], n);
        weight = RandomWeights.tensor(arena, QuantFormat.valueOf(format), rows, cols, 1);
        long t0 = System.nanoTime();
        kernels.matmul(weight, x, out, n);
        System.out.printf("  [%s %s %s] first product %.1f ms (%.0f MB of weights; %s)%n", format, shape, residency,
                (System.nanoTime() - t0) / 1e6, weight.data().byteSize() / 1e6, kernels.description());
    }

    /** Releases the kernel set and frees the weights. */
    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
        arena.close();
    }

    /** One matrix product (activations copied in and out, as the Kernels interface requires). */
    @Benchmark
    public float matmul() {
        kernels.matmul(weight, x, out, n);
        return out[0];
    }
}
