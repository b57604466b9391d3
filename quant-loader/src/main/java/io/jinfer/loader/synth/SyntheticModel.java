package io.jinfer.loader.synth;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.quant.Quantizer;
import java.util.Objects;

/**
 * The shape and seed of a synthetic model; {@link SyntheticModels#write} turns it into a GGUF file.
 *
 * @param architecture llama, qwen2 or qwen3
 * @param dim embedding width
 * @param layers number of transformer blocks
 * @param heads attention (query) heads; the head width is {@code dim / heads}
 * @param kvHeads key/value heads, dividing {@code heads} (grouped-query attention)
 * @param ffn hidden width of the feed-forward network
 * @param vocab vocabulary size, at least {@link SyntheticVocabulary#MIN_SIZE}
 * @param context context length written to the metadata
 * @param ropeBase rope frequency base
 * @param tiedEmbeddings whether the output projection reuses {@code token_embd.weight} (no
 *     {@code output.weight} tensor)
 * @param weightFormat format of every 2-D tensor (1-D tensors stay F32)
 * @param seed seed of every weight; the same spec always gives the same bytes
 */
public record SyntheticModel(Architecture architecture, int dim, int layers, int heads, int kvHeads, int ffn,
        int vocab, int context, float ropeBase, boolean tiedEmbeddings, QuantFormat weightFormat, long seed) {

    /** The RMSNorm epsilon written for every model. */
    public static final float RMS_NORM_EPS = 1e-5f;

    /**
     * Checks the shape.
     *
     * @throws IllegalArgumentException naming the first inconsistent field
     */
    public SyntheticModel {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(weightFormat, "weightFormat");
        positive("dim", dim);
        positive("layers", layers);
        positive("heads", heads);
        positive("kvHeads", kvHeads);
        positive("ffn", ffn);
        positive("context", context);
        if (dim % heads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not a multiple of heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads " + kvHeads);
        }
        if ((dim / heads) % 2 != 0) {
            throw new IllegalArgumentException("head width " + dim / heads + " must be even for rope");
        }
        if (vocab < SyntheticVocabulary.MIN_SIZE) {
            throw new IllegalArgumentException("vocab " + vocab + " is below " + SyntheticVocabulary.MIN_SIZE
                    + " (3 special tokens and 256 byte tokens)");
        }
        if (!(ropeBase > 0) || Float.isInfinite(ropeBase)) {
            throw new IllegalArgumentException("ropeBase must be a positive finite number, got " + ropeBase);
        }
        if (!Quantizer.supports(weightFormat)) {
            throw new IllegalArgumentException("cannot write weights as " + weightFormat + "; supported: "
                    + Quantizer.supportedFormats());
        }
        int block = weightFormat.blockSize();
        // Every weight matrix has rows of dim values, except ffn_down whose rows have ffn values.
        if (dim % block != 0 || ffn % block != 0) {
            throw new IllegalArgumentException(weightFormat + " needs dim (" + dim + ") and ffn (" + ffn
                    + ") to be multiples of its block size " + block);
        }
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }

    /**
     * A demo-sized Llama (about 0.5 M parameters): dim 128, 2 layers, 4 heads (2 KV), FFN 384,
     * vocabulary 512, Q8_0 weights, separate output projection.
     *
     * @return the spec
     */
    public static SyntheticModel tiny() {
        return new SyntheticModel(Architecture.LLAMA, 128, 2, 4, 2, 384, 512, 512, 10000f, false,
                QuantFormat.Q8_0, 42);
    }

    /**
     * The shape of Llama 3.2 1B: dim 2048, 16 layers, 32 heads (8 KV, head width 64), FFN 8192,
     * vocabulary 128256, rope base 500000, tied embeddings, context 2048, Q4_0 weights (about
     * 1.24 G parameters, 0.7 GB).
     *
     * @return the spec
     */
    public static SyntheticModel llama1b() {
        return new SyntheticModel(Architecture.LLAMA, 2048, 16, 32, 8, 8192, 128256, 2048, 500000f, true,
                QuantFormat.Q4_0, 1);
    }

    /**
     * Returns the width of one attention head, {@code dim / heads}.
     *
     * @return the width of one attention head
     */
    public int headDim() {
        return dim / heads;
    }

    /**
     * Returns the output width of the K and V projections, {@code kvHeads * headDim()}.
     *
     * @return the width of the K and V projections
     */
    public int kvDim() {
        return kvHeads * headDim();
    }

    /**
     * Returns a name that states the architecture and size, written to the file's metadata.
     *
     * @return the value written to {@code general.name}
     */
    public String name() {
        return "jinfer-synth-" + architecture.ggufName() + "-" + dim + "x" + layers;
    }

    /**
     * Returns a copy of this spec that stores its 2-D tensors in another format.
     *
     * @param format the weight format; it must be one the quantizer writes and whose block size divides
     *     {@code dim} and {@code ffn}
     * @return a copy with that format
     * @throws IllegalArgumentException when the format is unsupported or does not fit the shapes
     */
    public SyntheticModel withWeightFormat(QuantFormat format) {
        return new SyntheticModel(architecture, dim, layers, heads, kvHeads, ffn, vocab, context, ropeBase,
                tiedEmbeddings, format, seed);
    }

    /**
     * Returns a copy of this spec with other weight values.
     *
     * @param newSeed the seed, any value
     * @return a copy with that seed
     */
    public SyntheticModel withSeed(long newSeed) {
        return new SyntheticModel(architecture, dim, layers, heads, kvHeads, ffn, vocab, context, ropeBase,
                tiedEmbeddings, weightFormat, newSeed);
    }

    /**
     * Returns a copy of this spec for another architecture, with the tensors and metadata that architecture needs.
     *
     * @param arch the architecture
     * @return a copy with that architecture
     */
    public SyntheticModel withArchitecture(Architecture arch) {
        return new SyntheticModel(arch, dim, layers, heads, kvHeads, ffn, vocab, context, ropeBase,
                tiedEmbeddings, weightFormat, seed);
    }

    /**
     * Returns a copy of this spec with or without a separate output projection.
     *
     * @param tied {@code true} to reuse {@code token_embd.weight} as the output projection
     * @return a copy with that setting
     */
    public SyntheticModel withTiedEmbeddings(boolean tied) {
        return new SyntheticModel(architecture, dim, layers, heads, kvHeads, ffn, vocab, context, ropeBase,
                tied, weightFormat, seed);
    }

    /**
     * Counts the weights the file holds, including norms, biases and embeddings.
     *
     * @return the number of weights in the file
     */
    public long parameterCount() {
        long perLayer = 2L * dim + (long) dim * dim * 2 + 2L * dim * kvDim() + 3L * dim * ffn;
        if (architecture.hasQkvBias()) {
            perLayer += dim + 2L * kvDim();
        }
        if (architecture.hasQkNorm()) {
            perLayer += 2L * headDim();
        }
        long embeddings = (long) dim * vocab * (tiedEmbeddings ? 1 : 2);
        return embeddings + dim + perLayer * layers;
    }
}
