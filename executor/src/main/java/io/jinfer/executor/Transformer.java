package io.jinfer.executor;

import io.jinfer.api.spi.AttentionShape;
import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.RopeSpec;

/**
 * The forward pass of the llama family (llama, mistral, qwen2, qwen3) over backend kernels: embedding,
 * per block RMSNorm → Q/K/V (+ biases, + per-head norms) → RoPE → cached causal attention → output
 * projection → residual → RMSNorm → SwiGLU FFN → residual; then the output norm and projection.
 */
final class Transformer {
    private final ModelConfig c;
    private final ModelWeights w;
    private final RopeSpec rope;
    private final AttentionShape attention;
    /** Kernels of each block when the model is split across devices; null runs every block on the caller's. */
    private final Kernels[] layerKernels;

    Transformer(ModelConfig config, ModelWeights weights) {
        this(config, weights, null);
    }

    /**
     * @param layerKernels the kernels of each block (see {@link LayerPlacement}), or null to run every
     *     block on the kernels passed to {@link #forwardBlocks}
     */
    Transformer(ModelConfig config, ModelWeights weights, Kernels[] layerKernels) {
        if (layerKernels != null && layerKernels.length != config.layers()) {
            throw new IllegalArgumentException("kernels for " + layerKernels.length + " layers, the model has "
                    + config.layers());
        }
        this.layerKernels = layerKernels == null ? null : layerKernels.clone();
        this.c = config;
        this.w = weights;
        this.rope = new RopeSpec(config.ropeBase(), config.ropeDims(), config.neoxRope(), weights.ropeFactors());
        this.attention = new AttentionShape(config.heads(), config.kvHeads(), config.headDim(),
                (float) (1.0 / Math.sqrt(config.headDim())));
    }

    /** Activation buffers of one session, sized for its largest batch; made once, reused every step. */
    static final class Workspace {
        final int batch;
        final float[] x;
        final float[] xb;
        final float[] q;
        final float[] k;
        final float[] v;
        final float[] att;
        final float[] proj;
        final float[] gate;
        final float[] up;
        final float[] row;
        final float[] logits;
        /** Rows of one sequence that does not start at row 0 (batched passes only). */
        final float[] segQ;
        final float[] segK;
        final float[] segV;
        final float[] segAtt;
        /** The batch of {@link #forwardBlocks}, reused. */
        final Batch single = new Batch(1, 0);

        Workspace(ModelConfig c, int batch) {
            this(c, batch, false);
        }

        /** @param segmented whether rows of several sequences share a pass (adds the segment buffers) */
        Workspace(ModelConfig c, int batch, boolean segmented) {
            this.batch = batch;
            x = new float[batch * c.dim()];
            xb = new float[batch * c.dim()];
            q = new float[batch * c.qDim()];
            k = new float[batch * c.kvDim()];
            v = new float[batch * c.kvDim()];
            att = new float[batch * c.qDim()];
            proj = new float[batch * c.dim()];
            gate = new float[batch * c.ffnDim()];
            up = new float[batch * c.ffnDim()];
            row = new float[c.dim()];
            logits = new float[c.vocabSize()];
            int seg = segmented ? batch : 0;
            segQ = new float[seg * c.qDim()];
            segK = new float[seg * c.kvDim()];
            segV = new float[seg * c.kvDim()];
            segAtt = new float[seg * c.qDim()];
        }

        static long bytesFor(ModelConfig c, int batch) {
            long perToken = 4L * (3L * c.dim() + 2L * c.qDim() + 2L * c.kvDim() + 2L * c.ffnDim() + c.dim());
            return perToken * batch + 4L * (c.dim() + c.vocabSize());
        }

        static long bytesFor(ModelConfig c, int batch, boolean segmented) {
            return bytesFor(c, batch) + (segmented ? 8L * batch * (c.qDim() + c.kvDim()) : 0);
        }
    }

    /**
     * The rows of one forward pass grouped by sequence: segment {@code s} is rows
     * {@code rowStart[s] .. rowStart[s] + rowCount[s] - 1}, at positions {@code startPos[s] ..} of
     * {@code caches[s]}. Filled anew before each pass; allocates nothing while within its sizes.
     */
    static final class Batch {
        final int[] tokens;
        final KvCache[] caches;
        final int[] rowStart;
        final int[] rowCount;
        final int[] startPos;
        int rows;
        int segments;
        /** Tokens of a batch that does not copy them (the batch of {@link #forwardBlocks}). */
        private int[] tokensRef;
        private int tokenOffset;

        /**
         * @param maxSegments most sequences in one pass
         * @param maxRows most rows in one pass (0: rows are passed by reference, see {@link #add})
         */
        Batch(int maxSegments, int maxRows) {
            tokens = maxRows == 0 ? null : new int[maxRows];
            caches = new KvCache[maxSegments];
            rowStart = new int[maxSegments];
            rowCount = new int[maxSegments];
            startPos = new int[maxSegments];
        }

        void clear() {
            java.util.Arrays.fill(caches, 0, segments, null);
            rows = 0;
            segments = 0;
            tokensRef = null;
        }

        /** Appends {@code count} tokens of one sequence, at positions {@code startPos ..} of its cache. */
        void add(KvCache cache, int pos, int[] src, int from, int count) {
            int s = segments++;
            caches[s] = cache;
            rowStart[s] = rows;
            rowCount[s] = count;
            startPos[s] = pos;
            if (tokens == null) {
                tokensRef = src;
                tokenOffset = from;
            } else {
                System.arraycopy(src, from, tokens, rows, count);
            }
            rows += count;
        }

        /** @return the token of row {@code t} */
        int token(int t) {
            return tokens == null ? tokensRef[tokenOffset + t] : tokens[t];
        }
    }

    ModelConfig config() {
        return c;
    }

    /**
     * Runs {@code n} tokens at positions {@code startPos ..} through every block, filling the KV cache.
     * Leaves the final hidden states (before the output norm) in {@code ws.x}. The embedding lookup
     * runs on {@code edge}; each block on its placed kernels, or on {@code edge} when unsplit.
     */
    void forwardBlocks(Kernels edge, int[] tokens, int from, int n, int startPos, KvCache cache, Workspace ws) {
        Batch one = ws.single;
        one.clear();
        one.add(cache, startPos, tokens, from, n);
        forward(edge, one, ws);
    }

    /**
     * Runs every row of a batch through every block in one pass: the matrix products see all rows at
     * once (each weight is read once for the whole batch), while RoPE, the KV writes and attention run
     * per sequence at that sequence's positions. Leaves the final hidden states in {@code ws.x}.
     */
    void forward(Kernels edge, Batch b, Workspace ws) {
        int dim = c.dim();
        int n = b.rows;
        if (n > ws.batch) {
            throw new IllegalArgumentException("a batch of " + n + " rows exceeds the workspace's " + ws.batch);
        }
        for (int t = 0; t < n; t++) {
            edge.dequantizeRow(w.tokenEmbedding(), b.token(t), ws.x, t * dim);
        }
        for (int l = 0; l < c.layers(); l++) {
            Kernels kr = layerKernels == null ? edge : layerKernels[l];
            ModelWeights.Layer L = w.layers().get(l);

            kr.rmsNorm(ws.x, ws.xb, n, dim, L.attnNorm(), c.rmsEps());
            kr.matmul(L.wq(), ws.xb, ws.q, n);
            kr.matmul(L.wk(), ws.xb, ws.k, n);
            kr.matmul(L.wv(), ws.xb, ws.v, n);
            if (L.bq() != null) {
                kr.addVector(ws.q, n, L.bq());
            }
            if (L.bk() != null) {
                kr.addVector(ws.k, n, L.bk());
            }
            if (L.bv() != null) {
                kr.addVector(ws.v, n, L.bv());
            }
            if (L.qNorm() != null) {
                kr.rmsNorm(ws.q, ws.q, n * c.heads(), c.headDim(), L.qNorm(), c.rmsEps());
                kr.rmsNorm(ws.k, ws.k, n * c.kvHeads(), c.headDim(), L.kNorm(), c.rmsEps());
            }
            for (int s = 0; s < b.segments; s++) {
                attend(kr, b, s, l, ws);
            }
            kr.matmul(L.wo(), ws.att, ws.proj, n);
            kr.add(ws.x, ws.proj, n * dim);

            kr.rmsNorm(ws.x, ws.xb, n, dim, L.ffnNorm(), c.rmsEps());
            kr.matmul(L.gate(), ws.xb, ws.gate, n);
            kr.matmul(L.up(), ws.xb, ws.up, n);
            kr.swiglu(ws.gate, ws.up, n * c.ffnDim());
            kr.matmul(L.down(), ws.gate, ws.proj, n);
            kr.add(ws.x, ws.proj, n * dim);
        }
    }

    /**
     * RoPE, KV writes and attention of one sequence's rows. The kernels take rows from the start of their
     * arrays, so a sequence that does not start at row 0 is copied to the segment buffers and back.
     */
    private void attend(Kernels kr, Batch b, int s, int l, Workspace ws) {
        int first = b.rowStart[s];
        int rows = b.rowCount[s];
        int pos = b.startPos[s];
        var kv = b.caches[s].layer(l);
        float[] q = ws.q;
        float[] k = ws.k;
        float[] v = ws.v;
        float[] att = ws.att;
        if (first != 0) {
            q = ws.segQ;
            k = ws.segK;
            v = ws.segV;
            att = ws.segAtt;
            System.arraycopy(ws.q, first * c.qDim(), q, 0, rows * c.qDim());
            System.arraycopy(ws.k, first * c.kvDim(), k, 0, rows * c.kvDim());
            System.arraycopy(ws.v, first * c.kvDim(), v, 0, rows * c.kvDim());
        }
        kr.rope(q, rows, c.heads(), c.headDim(), pos, rope);
        kr.rope(k, rows, c.kvHeads(), c.headDim(), pos, rope);
        kr.storeKv(k, rows, kv, true, pos);
        kr.storeKv(v, rows, kv, false, pos);
        kr.attention(q, rows, pos, kv, attention, att);
        if (first != 0) {
            System.arraycopy(att, 0, ws.att, first * c.qDim(), rows * c.qDim());
        }
    }

    /**
     * Logits of several hidden rows of {@code ws.x} in one product with the output matrix.
     *
     * @param rows indices of the rows of {@code ws.x}
     * @param count how many of {@code rows} to use
     * @param out receives {@code count} rows of vocabulary-sized logits
     */
    void logits(Kernels kr, Workspace ws, int[] rows, int count, float[] out) {
        int dim = c.dim();
        for (int i = 0; i < count; i++) {
            System.arraycopy(ws.x, rows[i] * dim, ws.xb, i * dim, dim);
        }
        kr.rmsNorm(ws.xb, ws.xb, count, dim, w.outputNorm(), c.rmsEps());
        kr.matmul(w.output(), ws.xb, out, count);
    }

    /** Logits of hidden row {@code t} of {@code ws.x} into {@code out} (vocabulary-sized). */
    void logits(Kernels kr, Workspace ws, int t, float[] out) {
        normedHidden(kr, ws, t);
        kr.matmul(w.output(), ws.row, out, 1);
    }

    /** Hidden row {@code t} of {@code ws.x} after the output norm, into {@code ws.row}: what embeddings pool. */
    void normedHidden(Kernels kr, Workspace ws, int t) {
        System.arraycopy(ws.x, t * c.dim(), ws.row, 0, c.dim());
        kr.rmsNorm(ws.row, ws.row, 1, c.dim(), w.outputNorm(), c.rmsEps());
    }
}
