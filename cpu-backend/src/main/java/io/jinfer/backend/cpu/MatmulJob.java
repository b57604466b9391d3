package io.jinfer.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * One matrix product as a worker-pool job over weight rows. Its fields are set before each run (the
 * kernels are used by one thread at a time), so running a product allocates nothing.
 *
 * <p>One token (decode): each row is a fused dot product that expands the row block by block in
 * registers. Several tokens (prefill): {@link #ROW_BLOCK} rows are expanded into a per-thread F32
 * buffer of a few kilobytes and then multiplied with the tokens four at a time by a register-tiled
 * kernel, so each expanded value feeds every token while it is in the L1 cache.
 */
final class MatmulJob implements WorkerPool.Task {
    /** Rows expanded at a time in prefill. */
    static final int ROW_BLOCK = 4;

    private final DenseMath math;
    private final Scratch scratch;

    RowCodec codec;
    MemorySegment data;
    long rowBytes;
    int rows;
    int cols;
    int n;
    float[] x;
    float[] out;

    MatmulJob(DenseMath math, Scratch scratch) {
        this.math = math;
        this.scratch = scratch;
    }

    @Override
    public void run(int thread, int start, int end) {
        if (n == 1) {
            float[] buf = scratch.floats(thread, cols);
            for (int r = start; r < end; r++) {
                out[r] = codec.dot(data, r * rowBytes, cols, x, 0, buf);
            }
        } else {
            prefill(scratch.floats(thread, ROW_BLOCK * cols), start, end);
        }
    }

    private void prefill(float[] buf, int start, int end) {
        int cols = this.cols;
        int rows = this.rows;
        for (int r0 = start; r0 < end; r0 += ROW_BLOCK) {
            int rb = Math.min(ROW_BLOCK, end - r0);
            for (int k = 0; k < rb; k++) {
                codec.decode(data, (r0 + k) * rowBytes, cols, buf, k * cols);
            }
            int t = 0;
            for (; t + 4 <= n; t += 4) {
                int k = 0;
                for (; k + 2 <= rb; k += 2) {
                    math.tile2x4(buf, k * cols, (k + 1) * cols, x, t * cols, cols, cols, out, t * rows + r0 + k, rows);
                }
                if (k < rb) {
                    math.tile1x4(buf, k * cols, x, t * cols, cols, cols, out, t * rows + r0 + k, rows);
                }
            }
            for (; t < n; t++) {
                for (int k = 0; k < rb; k++) {
                    out[t * rows + r0 + k] = math.dot(buf, k * cols, x, t * cols, cols);
                }
            }
        }
    }
}
