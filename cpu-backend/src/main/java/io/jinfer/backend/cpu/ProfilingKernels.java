package io.jinfer.backend.cpu;

import io.jinfer.api.spi.AttentionShape;
import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.KvLayer;
import io.jinfer.api.spi.RopeSpec;
import io.jinfer.api.spi.TensorView;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A diagnostic wrapper that times every op of the kernels it wraps (wall clock, on the calling
 * thread) and prints the breakdown to standard error when closed. Turned on with the system property
 * {@code jinfer.cpu.profile=true}; never used otherwise, so the hot path pays nothing for it.
 * Matrix products are split into one-token (decode) and many-token (prefill) calls.
 */
final class ProfilingKernels implements Kernels {
    private static final String[] NAMES = {"matmul n=1", "matmul n>1", "dequantizeRow", "rmsNorm", "addVector",
        "add", "rope", "storeKv", "attention", "swiglu"};
    private final Kernels inner;
    private final long[] nanos = new long[NAMES.length];
    private final long[] calls = new long[NAMES.length];

    /** @param inner the kernels to time */
    ProfilingKernels(Kernels inner) {
        this.inner = inner;
    }

    private void record(int op, long start) {
        nanos[op] += System.nanoTime() - start;
        calls[op]++;
    }

    @Override
    public String description() {
        return inner.description() + ", profiled";
    }

    @Override
    public void matmul(TensorView weight, float[] x, float[] out, int n) {
        long t = System.nanoTime();
        inner.matmul(weight, x, out, n);
        record(n == 1 ? 0 : 1, t);
    }

    @Override
    public void dequantizeRow(TensorView table, int row, float[] out, int outOffset) {
        long t = System.nanoTime();
        inner.dequantizeRow(table, row, out, outOffset);
        record(2, t);
    }

    @Override
    public void rmsNorm(float[] x, float[] out, int n, int dim, TensorView weight, float eps) {
        long t = System.nanoTime();
        inner.rmsNorm(x, out, n, dim, weight, eps);
        record(3, t);
    }

    @Override
    public void addVector(float[] x, int n, TensorView vector) {
        long t = System.nanoTime();
        inner.addVector(x, n, vector);
        record(4, t);
    }

    @Override
    public void add(float[] dst, float[] src, int length) {
        long t = System.nanoTime();
        inner.add(dst, src, length);
        record(5, t);
    }

    @Override
    public void rope(float[] x, int n, int heads, int headDim, int startPos, RopeSpec rope) {
        long t = System.nanoTime();
        inner.rope(x, n, heads, headDim, startPos, rope);
        record(6, t);
    }

    @Override
    public void storeKv(float[] src, int n, KvLayer layer, boolean keys, int startPos) {
        long t = System.nanoTime();
        inner.storeKv(src, n, layer, keys, startPos);
        record(7, t);
    }

    @Override
    public void attention(float[] q, int n, int startPos, KvLayer layer, AttentionShape shape, float[] out) {
        long t = System.nanoTime();
        inner.attention(q, n, startPos, layer, shape, out);
        record(8, t);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length) {
        long t = System.nanoTime();
        inner.swiglu(gate, up, length);
        record(9, t);
    }

    /** Prints the breakdown, then closes the wrapped kernels. */
    @Override
    public void close() {
        print(System.err);
        inner.close();
    }

    private void print(PrintStream err) {
        long total = 0;
        for (long n : nanos) {
            total += n;
        }
        err.printf(Locale.ROOT, "jinfer cpu profile (%s): %.1f ms in ops%n", inner.description(), total / 1e6);
        for (int i = 0; i < NAMES.length; i++) {
            if (calls[i] > 0) {
                err.printf(Locale.ROOT, "  %-14s %9.1f ms %5.1f %%  %8d calls  %8.1f us/call%n", NAMES[i],
                        nanos[i] / 1e6, total == 0 ? 0 : 100.0 * nanos[i] / total, calls[i],
                        nanos[i] / 1e3 / calls[i]);
            }
        }
    }
}
