package io.jinfer.executor.plan;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.JinferException;
import io.jinfer.api.Precision;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Throughput;
import io.jinfer.api.spi.Backend;
import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.quant.Quantizer;
import io.jinfer.memory.HostDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SplittableRandom;

/**
 * Measures what this machine's CPU computes with jinfer's own kernels, in a given weight format: the
 * rate of products of a chunk of tokens (as in prefill) on a matrix small enough (about 2 MB) to stay
 * in cache, and the rate of one-token products (as in decode) on a 128 MiB matrix streamed from memory.
 *
 * <p>Why the one-token rate is measured streaming: on a CPU the cores that multiply also issue the
 * loads, so memory time and compute time overlap only in part, and the roofline's {@code max(bytes /
 * bandwidth, flops / throughput)} with an in-cache rate is optimistic (on the 2-core development VM,
 * decode reached 47 % of the bandwidth ceiling while the in-cache rate allowed about 80 %). Measured
 * while streaming, the compute term carries the overlap the machine really achieves. Together with the
 * {@link HostDevice} bandwidth probe this gives the CPU device of a plan. Takes a few seconds.
 */
public final class CpuCalibration {
    private static final long TARGET_BYTES = 2L << 20;
    private static final long STREAMED_BYTES = 128L << 20;
    private static final long SEGMENT_NANOS = 150_000_000L;
    private static final int MIN_SEGMENTS = 5;
    private static final int MAX_SEGMENTS = 25;

    private CpuCalibration() {}

    /**
     * Describes this machine's CPU, measured: bandwidth from the cached probe, throughput from a short
     * matmul calibration in {@code format}.
     *
     * @param threads kernel threads
     * @param format the model's weight format
     * @param chunk tokens per prefill pass
     * @return the device, id {@code cpu}
     */
    public static DeviceInfo hostDevice(int threads, QuantFormat format, int chunk) {
        return hostDevice(threads, format, chunk, false);
    }

    /**
     * Describes this machine's CPU, measured, optionally probing the bandwidth afresh.
     *
     * @param threads kernel threads
     * @param format the model's weight format
     * @param chunk tokens per prefill pass
     * @param fresh whether to probe the bandwidth now instead of using a cached figure
     * @return the device, id {@code cpu}
     */
    public static DeviceInfo hostDevice(int threads, QuantFormat format, int chunk, boolean fresh) {
        DeviceInfo d = fresh ? HostDevice.describe(threads, HostDevice.measureBandwidth(threads))
                : HostDevice.describe(threads);
        return d.withThroughput(measure(threads, format, chunk));
    }

    /**
     * Measures the matmul rates of the CPU backend's fast kernels.
     *
     * @param threads kernel threads
     * @param format the weight format (a format without a quantiser is measured as Q8_0 for integer
     *     block formats and F16 otherwise)
     * @param chunk tokens of the many-token measurement
     * @return throughput with the vector (1 token) and matrix ({@code chunk} tokens) rates at the
     *     format's precision
     */
    public static Throughput measure(int threads, QuantFormat format, int chunk) {
        return measure(threads, format, chunk, STREAMED_BYTES, SEGMENT_NANOS);
    }

    /** {@link #measure(int, QuantFormat, int)} with a given streamed matrix size and segment time (tests). */
    static Throughput measure(int threads, QuantFormat format, int chunk, long streamedBytes, long segmentNanos) {
        Precision precision = WeightFormats.precision(format);
        QuantFormat f = Quantizer.supports(format) ? format
                : precision == Precision.INT8 ? QuantFormat.Q8_0 : QuantFormat.F16;
        Backend cpu = ServiceLoader.load(Backend.class, CpuCalibration.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get).filter(b -> b.name().equals("cpu")).findFirst()
                .orElseThrow(() -> new JinferException("no cpu backend on the class path to calibrate with"));
        int cols = 2048;
        long rowBytes = f.rowBytes(cols);
        int cachedRows = (int) Math.max(64, Math.min(4096, TARGET_BYTES / rowBytes));
        int streamedRows = (int) Math.max(cachedRows, streamedBytes / rowBytes / cachedRows * cachedRows);
        try (Arena arena = Arena.ofShared(); Kernels k = cpu.createKernels(threads, false, true)) {
            MemorySegment data = arena.allocate(rowBytes * streamedRows, 64);
            SplittableRandom random = new SplittableRandom(7);
            float[] row = new float[cols];
            for (int r = 0; r < cachedRows; r++) {
                for (int c = 0; c < cols; c++) {
                    row[c] = (float) random.nextGaussian();
                }
                Quantizer.quantizeRow(f, row, 0, cols, data, r * rowBytes);
            }
            // The streamed matrix repeats the quantised rows: only its size matters, not its values.
            long block = rowBytes * cachedRows;
            for (long off = block; off + block <= rowBytes * streamedRows; off += block) {
                MemorySegment.copy(data, 0, data, off, block);
            }
            TensorView cached = new TensorView("calibration", f, new long[] {cols, cachedRows},
                    data.asSlice(0, block));
            TensorView streamed = new TensorView("calibration-streamed", f, new long[] {cols, streamedRows}, data);
            double one = rate(k, streamed, streamedRows, cols, 1, segmentNanos);
            double many = rate(k, cached, cachedRows, cols, Math.max(2, chunk), segmentNanos);
            return new Throughput(Map.of(precision, many), Map.of(precision, one));
        }
    }

    /**
     * Operations per second of {@code n}-token products, once the JIT has compiled the kernels (as in a
     * model that has run a while): segments of at least {@link #SEGMENT_NANOS} are timed, at least
     * {@link #MIN_SEGMENTS} and until two in a row agree within 10 % (at most {@link #MAX_SEGMENTS}),
     * and the mean of the last two is the rate. A fixed short
     * warm-up was not enough on a loaded machine: the many-token kernel was still interpreted after
     * 400 ms and measured at a third of its speed.
     */
    private static double rate(Kernels k, TensorView w, int rows, int cols, int n, long segmentNanos) {
        float[] x = new float[n * cols];
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] out = new float[n * rows];
        double previous = 0;
        double current = 0;
        for (int s = 0; s < MAX_SEGMENTS; s++) {
            long iters = 0;
            long t0 = System.nanoTime();
            long elapsed;
            do {
                k.matmul(w, x, out, n);
                iters++;
                elapsed = System.nanoTime() - t0;
            } while (elapsed < segmentNanos);
            previous = current;
            current = 2.0 * rows * cols * n * iters / (elapsed / 1e9);
            if (s >= MIN_SEGMENTS - 1 && Math.abs(current - previous) <= 0.1 * Math.max(current, previous)) {
                break;
            }
        }
        return (current + previous) / 2;
    }
}
