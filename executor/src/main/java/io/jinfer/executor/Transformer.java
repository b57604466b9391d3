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

        Workspace(ModelConfig c, int batch) {
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
        }

        static long bytesFor(ModelConfig c, int batch) {
            long perToken = 4L * (3L * c.dim() + 2L * c.qDim() + 2L * c.kvDim() + 2L * c.ffnDim() + c.dim());
            return perToken * batch + 4L * (c.dim() + c.vocabSize());
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
        int dim = c.dim();
        for (int t = 0; t < n; t++) {
            edge.dequantizeRow(w.tokenEmbedding(), tokens[from + t], ws.x, t * dim);
        }
        for (int l = 0; l < c.layers(); l++) {
            Kernels kr = layerKernels == null ? edge : layerKernels[l];
            ModelWeights.Layer L = w.layers().get(l);
            var kv = cache.layer(l);

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
            kr.rope(ws.q, n, c.heads(), c.headDim(), startPos, rope);
            kr.rope(ws.k, n, c.kvHeads(), c.headDim(), startPos, rope);
            kr.storeKv(ws.k, n, kv, true, startPos);
            kr.storeKv(ws.v, n, kv, false, startPos);
            kr.attention(ws.q, n, startPos, kv, attention, ws.att);
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
