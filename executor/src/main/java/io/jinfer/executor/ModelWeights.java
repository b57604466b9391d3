package io.jinfer.executor;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The tensors of a model, as zero-copy views, each checked for the shape the configuration needs.
 *
 * @param tokenEmbedding {@code token_embd.weight}: dim × vocab
 * @param outputNorm {@code output_norm.weight}
 * @param output {@code output.weight}, or the embedding table when tied
 * @param ropeFactors {@code rope_freqs.weight} or null
 * @param layers the blocks
 */
public record ModelWeights(
        TensorView tokenEmbedding, TensorView outputNorm, TensorView output, TensorView ropeFactors, List<Layer> layers) {

    /**
     * One transformer block.
     *
     * @param attnNorm RMSNorm before attention
     * @param wq query projection
     * @param wk key projection
     * @param wv value projection
     * @param wo attention output projection
     * @param bq query bias or null
     * @param bk key bias or null
     * @param bv value bias or null
     * @param qNorm per-head query norm or null
     * @param kNorm per-head key norm or null
     * @param ffnNorm RMSNorm before the FFN
     * @param gate FFN gate projection
     * @param up FFN up projection
     * @param down FFN down projection
     */
    public record Layer(
            TensorView attnNorm, TensorView wq, TensorView wk, TensorView wv, TensorView wo,
            TensorView bq, TensorView bk, TensorView bv, TensorView qNorm, TensorView kNorm,
            TensorView ffnNorm, TensorView gate, TensorView up, TensorView down) {}

    /**
     * Looks up and checks every tensor the architecture needs.
     *
     * @param file the open file
     * @param c the configuration
     * @return the weights
     * @throws ModelFormatException naming a missing tensor, a wrong shape or an unsupported format
     */
    public static ModelWeights bind(GgufFile file, ModelConfig c) {
        return bind(WeightSource.of(file), c);
    }

    /**
     * Looks up and checks every tensor the architecture needs, from any source.
     *
     * @param file where the tensors come from, by role
     * @param c the configuration
     * @return the weights
     * @throws ModelFormatException naming a missing tensor, a wrong shape or an unsupported format
     */
    public static ModelWeights bind(WeightSource file, ModelConfig c) {
        Binder b = new Binder(file);
        TensorView embd = b.matrix("token_embd.weight", c.dim(), c.vocabSize());
        TensorView outNorm = b.vector("output_norm.weight", c.dim());
        TensorView output = file.hasTensor("output.weight") ? b.matrix("output.weight", c.dim(), c.vocabSize()) : embd;
        TensorView rope = file.hasTensor("rope_freqs.weight") ? b.vector("rope_freqs.weight", c.ropeDims() / 2) : null;
        boolean bias = c.architecture().equals("qwen2");
        List<Layer> layers = IntStream.range(0, c.layers()).mapToObj(i -> {
            String p = "blk." + i + ".";
            return new Layer(
                    b.vector(p + "attn_norm.weight", c.dim()),
                    b.matrix(p + "attn_q.weight", c.dim(), c.qDim()),
                    b.matrix(p + "attn_k.weight", c.dim(), c.kvDim()),
                    b.matrix(p + "attn_v.weight", c.dim(), c.kvDim()),
                    b.matrix(p + "attn_output.weight", c.qDim(), c.dim()),
                    bias ? b.vector(p + "attn_q.bias", c.qDim()) : b.optionalVector(p + "attn_q.bias", c.qDim()),
                    bias ? b.vector(p + "attn_k.bias", c.kvDim()) : b.optionalVector(p + "attn_k.bias", c.kvDim()),
                    bias ? b.vector(p + "attn_v.bias", c.kvDim()) : b.optionalVector(p + "attn_v.bias", c.kvDim()),
                    c.qkNorm() ? b.vector(p + "attn_q_norm.weight", c.headDim()) : null,
                    c.qkNorm() ? b.vector(p + "attn_k_norm.weight", c.headDim()) : null,
                    b.vector(p + "ffn_norm.weight", c.dim()),
                    b.matrix(p + "ffn_gate.weight", c.dim(), c.ffnDim()),
                    b.matrix(p + "ffn_up.weight", c.dim(), c.ffnDim()),
                    b.matrix(p + "ffn_down.weight", c.ffnDim(), c.dim()));
        }).toList();
        return new ModelWeights(embd, outNorm, output, rope, layers);
    }

    /**
     * Returns the format that most of the weight-matrix bytes are stored in, reported as the model's weight format.
     *
     * @return the most common format among the 2-D weights, by bytes
     */
    public QuantFormat dominantFormat() {
        Map<QuantFormat, Long> bytes = new HashMap<>();
        for (Layer l : layers) {
            for (TensorView t : List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down())) {
                bytes.merge(t.format(), t.data().byteSize(), Long::sum);
            }
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(tokenEmbedding.format());
    }

    private record Binder(WeightSource file) {
        Path path() {
            return file.path();
        }

        TensorView matrix(String name, long cols, long rows) {
            TensorView t = file.tensor(name);
            long[] s = t.shape();
            if (s.length != 2 || s[0] != cols || s[1] != rows) {
                throw new ModelFormatException(path(), -1, named(name, t), "expected shape [" + cols + ", " + rows
                        + "], found " + Arrays.toString(s));
            }
            return supported(t);
        }

        TensorView vector(String name, long n) {
            TensorView t = file.tensor(name);
            if (t.elementCount() != n || t.shape().length != 1) {
                throw new ModelFormatException(path(), -1, named(name, t), "expected shape [" + n + "], found "
                        + Arrays.toString(t.shape()));
            }
            if (t.format() != QuantFormat.F32) {
                throw new ModelFormatException(path(), -1, named(name, t), "expected F32 for a 1-D tensor, found " + t.format());
            }
            return t;
        }

        /** The role, and the checkpoint's own name when it differs (Hugging Face directories). */
        static String named(String role, TensorView t) {
            return t.name().equals(role) ? role : role + " (" + t.name() + ")";
        }

        TensorView optionalVector(String name, long n) {
            return file.hasTensor(name) ? vector(name, n) : null;
        }

        TensorView supported(TensorView t) {
            if (!t.format().isSupported() && !(t.scales() != null && ScaledDequantizer.needsScales(t.format()))) {
                throw new ModelFormatException(path(), -1, t.name(), "tensor format " + t.format()
                        + (t.format().isGguf() ? " (ggml type " + t.format().ggmlType() + ")" : "") + " is not supported yet");
            }
            return t;
        }
    }
}
