package io.jinfer.executor;

import io.jinfer.api.ModelFormatException;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.hf.HfConfig;
import java.nio.file.Path;
import java.util.Set;

/**
 * Hyper-parameters of a decoder-only transformer, read from GGUF metadata or a Hugging Face
 * {@code config.json}.
 *
 * @param architecture {@code llama}, {@code mistral}, {@code qwen2} or {@code qwen3}
 * @param dim embedding width
 * @param layers number of blocks
 * @param heads query heads
 * @param kvHeads key/value heads
 * @param headDim values per head
 * @param ffnDim hidden width of the feed-forward network
 * @param vocabSize rows of the embedding table
 * @param contextLength trained context
 * @param rmsEps epsilon of RMSNorm
 * @param ropeBase rope frequency base
 * @param ropeDims rotated dimensions per head
 * @param neoxRope NEOX pairing (qwen, and every Hugging Face checkpoint) instead of llama.cpp's NORM
 *     pairing (llama and mistral GGUF files, whose Q/K rows the converter permuted)
 * @param qkNorm per-head RMSNorm of Q and K (qwen3)
 */
public record ModelConfig(
        String architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffnDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeBase,
        int ropeDims,
        boolean neoxRope,
        boolean qkNorm) {

    /** Architectures this executor runs. */
    public static final Set<String> SUPPORTED = Set.of("llama", "mistral", "qwen2", "qwen3");

    /**
     * Returns the width of the query projection's output, all heads together.
     *
     * @return query width ({@code heads * headDim})
     */
    public int qDim() {
        return heads * headDim;
    }

    /**
     * Returns the width of the key and value projections' outputs, all KV heads together.
     *
     * @return key/value width ({@code kvHeads * headDim})
     */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /**
     * Reads and checks the hyper-parameters.
     *
     * @param file the file (for messages)
     * @param md its metadata
     * @param vocabRows rows of the token embedding table
     * @return the configuration
     * @throws ModelFormatException naming the key when a value is missing or absurd
     */
    public static ModelConfig fromMetadata(Path file, GgufMetadata md, int vocabRows) {
        String arch = md.getString("general.architecture");
        if (!SUPPORTED.contains(arch)) {
            throw new ModelFormatException(file, -1, "general.architecture",
                    "expected one of " + SUPPORTED + ", found \"" + arch + "\"");
        }
        int dim = positive(file, md, arch + ".embedding_length");
        int layers = positive(file, md, arch + ".block_count");
        int heads = positive(file, md, arch + ".attention.head_count");
        int kvHeads = md.has(arch + ".attention.head_count_kv") ? positive(file, md, arch + ".attention.head_count_kv")
                : heads;
        if (heads % kvHeads != 0) {
            throw new ModelFormatException(file, -1, arch + ".attention.head_count_kv",
                    "head count " + heads + " must be a multiple of " + kvHeads);
        }
        int headDim = md.has(arch + ".attention.key_length") ? positive(file, md, arch + ".attention.key_length")
                : dim / heads;
        if (!md.has(arch + ".attention.key_length") && dim % heads != 0) {
            throw new ModelFormatException(file, -1, arch + ".embedding_length",
                    dim + " is not a multiple of the head count " + heads);
        }
        if (md.has(arch + ".attention.value_length") && md.getInt(arch + ".attention.value_length") != headDim) {
            throw new ModelFormatException(file, -1, arch + ".attention.value_length",
                    "expected the key length " + headDim + ", found " + md.getInt(arch + ".attention.value_length"));
        }
        int ffn = positive(file, md, arch + ".feed_forward_length");
        int ctx = md.has(arch + ".context_length") ? positive(file, md, arch + ".context_length") : 2048;
        double eps = md.getDouble(arch + ".attention.layer_norm_rms_epsilon", 1e-5);
        if (!(eps > 0) || eps > 1) {
            throw new ModelFormatException(file, -1, arch + ".attention.layer_norm_rms_epsilon",
                    "expected a value in (0, 1], found " + eps);
        }
        double base = md.getDouble(arch + ".rope.freq_base", 10000.0);
        if (!(base > 0) || Double.isInfinite(base)) {
            throw new ModelFormatException(file, -1, arch + ".rope.freq_base", "expected > 0, found " + base);
        }
        int ropeDims = md.has(arch + ".rope.dimension_count") ? positive(file, md, arch + ".rope.dimension_count")
                : headDim;
        if (ropeDims > headDim || ropeDims % 2 != 0) {
            throw new ModelFormatException(file, -1, arch + ".rope.dimension_count",
                    "expected an even number <= head dimension " + headDim + ", found " + ropeDims);
        }
        if (md.has(arch + ".vocab_size") && md.getInt(arch + ".vocab_size") != vocabRows) {
            throw new ModelFormatException(file, -1, arch + ".vocab_size", "expected the " + vocabRows
                    + " rows of token_embd.weight, found " + md.getInt(arch + ".vocab_size"));
        }
        boolean neox = arch.startsWith("qwen");
        return new ModelConfig(arch, dim, layers, heads, kvHeads, headDim, ffn, vocabRows, ctx, (float) eps,
                (float) base, ropeDims, neox, arch.equals("qwen3"));
    }

    /**
     * Maps a Hugging Face configuration.
     *
     * <p>Rope always pairs NEOX-style (x[i], x[i + dims/2]): Hugging Face stores Q and K rows in that
     * "rotate half" order for every family. llama.cpp's converter permutes the rows of llama and
     * mistral so GGUF files pair adjacent values instead; both give the same attention scores, so the
     * weights are used as stored and never copied.
     *
     * @param hf the parsed {@code config.json}
     * @param vocabRows rows of the token embedding table
     * @return the configuration
     */
    public static ModelConfig fromHf(HfConfig hf, int vocabRows) {
        return new ModelConfig(hf.modelType(), hf.hiddenSize(), hf.layers(), hf.heads(), hf.kvHeads(), hf.headDim(),
                hf.intermediateSize(), vocabRows, hf.contextLength(), (float) hf.rmsNormEps(), (float) hf.ropeTheta(),
                hf.ropeDims(), true, hf.modelType().equals("qwen3"));
    }

    private static int positive(Path file, GgufMetadata md, String key) {
        int v = md.getInt(key);
        if (v <= 0 || v > (1 << 24)) {
            throw new ModelFormatException(file, -1, key, "expected a value in [1, 16777216], found " + v);
        }
        return v;
    }
}
