package io.jinfer.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * One matrix product as a worker-pool job over weight rows. Its fields are set before each run (the
 * kernels are used by one thread at a time), so running a product allocates nothing.
 *
 * <p>Any number of tokens: {@link #ROW_BLOCK} rows are expanded into a per-thread F32
 * buffer of a few kilobytes and then multiplied with the tokens four at a time by a register-tiled
 * kernel, so each expanded value feeds every token while it is in the L1 cache. Rows are expanded
 * a column panel at a time so that the expanded panel and the activations it meets stay in L1; the
 * partial sums of later panels are added to the output. Every (row, token) result takes the same
 * sequence of operations (one vector accumulator per panel, a fixed lane sum, panels added in order)
 * whichever tile computes it, so results do not depend on the number of tokens or threads. One
 * token (decode) takes this path too, which costs the Java decode path some speed (the fused
 * per-row dot products it used before summed in another order) but keeps that contract.
 */
final class MatmulJob implements WorkerPool.Task {
    /** Rows expanded at a time in prefill. */
    static final int ROW_BLOCK = 8;
    /**
     * Columns expanded at a time in prefill: {@link #ROW_BLOCK} rows of this many floats plus four
     * tokens' activations for the same columns fit the L1 cache together (16 + 8 KiB).
     */
    static final int PANEL = 512;
    /** Floats after the panel where a tile stores its accumulators' lanes (16 vectors of 16). */
    static final int LANE_ROOM = 16 * 16;

    private final DenseMath math;
    private final Scratch scratch;

    RowCodec codec;
    int blockSize;
    int bytesPerBlock;
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
        // one token goes through the same panels and per-(row, token) arithmetic as many tokens, so a
        // column of a many-token product is bit-identical with the one-token product of that column
        prefill(scratch.floats(thread, ROW_BLOCK * panelWidth(cols) + LANE_ROOM), start, end);
    }

    /** @return the panel width: about {@link #PANEL} columns, a whole number of the format's blocks */
    private int panelWidth(int cols) {
        int block = blockSize;
        int width = Math.max(block, PANEL / block * block);
        return Math.min(width, cols);
    }

    /** @return byte offset of column {@code c0} (a block boundary) within a row */
    private long panelBytes(int c0) {
        return (long) (c0 / blockSize) * bytesPerBlock;
    }

    private void prefill(float[] buf, int start, int end) {
        int cols = this.cols;
        int rows = this.rows;
        int panel = panelWidth(cols);
        int lanes = ROW_BLOCK * panel;
        boolean wide = math.wideTiles();
        for (int r0 = start; r0 < end; r0 += ROW_BLOCK) {
            int rb = Math.min(ROW_BLOCK, end - r0);
            for (int c0 = 0; c0 < cols; c0 += panel) {
                int width = Math.min(panel, cols - c0);
                for (int k = 0; k < rb; k++) {
                    codec.decode(data, (r0 + k) * rowBytes + panelBytes(c0), width, buf, k * panel);
                }
                boolean first = c0 == 0;
                int t = 0;
                for (; t + 4 <= n; t += 4) {
                    int k = 0;
                    if (wide) {
                        for (; k + 4 <= rb; k += 4) {
                            math.tile4x4(buf, k * panel, panel, x, t * cols + c0, cols, width, out,
                                    t * rows + r0 + k, rows, first, lanes);
                        }
                    }
                    for (; k + 2 <= rb; k += 2) {
                        math.tile2x4(buf, k * panel, (k + 1) * panel, x, t * cols + c0, cols, width, out,
                                t * rows + r0 + k, rows, first, lanes);
                    }
                    if (k < rb) {
                        math.tile1x4(buf, k * panel, x, t * cols + c0, cols, width, out, t * rows + r0 + k, rows,
                                first, lanes);
                    }
                }
                for (; t < n; t++) {
                    int k = 0;
                    for (; k + 4 <= rb; k += 4) {
                        math.tile4x1(buf, k * panel, panel, x, t * cols + c0, width, out, t * rows + r0 + k, first,
                                lanes);
                    }
                    for (; k < rb; k++) {
                        math.tile1x1(buf, k * panel, x, t * cols + c0, width, out, t * rows + r0 + k, first, lanes);
                    }
                }
            }
        }
    }
}
