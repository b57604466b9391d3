package io.jinfer.loader.synth;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufValueType;
import io.jinfer.loader.gguf.GgufWriter;
import io.jinfer.loader.quant.LlamaFileType;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Writes {@link SyntheticModel}s as GGUF files that llama.cpp would load: its tensor names and
 * order, its metadata keys, a {@link SyntheticVocabulary}, and seeded random weights.
 *
 * <p>Weights are scaled so that activations stay of order one through any depth: every matrix is
 * normal with standard deviation {@code 1/sqrt(row length)} (its fan-in), except the embeddings and
 * output projection, which use {@code OUTPUT_GAIN/sqrt(dim)} so that logits have a standard
 * deviation near {@code OUTPUT_GAIN}, as in the shared synthetic fixtures. Norm weights are 1; Q/K/V
 * biases (qwen2) are normal with standard deviation {@link #BIAS_SCALE}. 1-D tensors are F32 and
 * every 2-D tensor is stored in the spec's weight format, encoded by
 * {@link io.jinfer.loader.quant.Quantizer}.
 */
public final class SyntheticModels {
    /** Standard deviation of logits the embedding scale aims at. */
    public static final float OUTPUT_GAIN = 4f;
    /** Standard deviation of Q/K/V biases. */
    public static final float BIAS_SCALE = 0.1f;

    private SyntheticModels() {}

    /**
     * The tensors of a model in file order, with their shapes, formats and value rules; the values
     * of any row can be recomputed with {@link SyntheticTensor#fillRow}.
     *
     * @param spec the model
     * @return the tensors
     */
    public static List<SyntheticTensor> tensors(SyntheticModel spec) {
        int dim = spec.dim();
        QuantFormat wf = spec.weightFormat();
        float embedScale = OUTPUT_GAIN / (float) Math.sqrt(dim);
        List<SyntheticTensor> t = new ArrayList<>();
        t.add(matrix("token_embd.weight", dim, spec.vocab(), wf, embedScale));
        t.add(norm("output_norm.weight", dim));
        if (!spec.tiedEmbeddings()) {
            t.add(matrix("output.weight", dim, spec.vocab(), wf, embedScale));
        }
        for (int l = 0; l < spec.layers(); l++) {
            String p = "blk." + l + ".";
            t.add(norm(p + "attn_norm.weight", dim));
            t.add(matrix(p + "attn_q.weight", dim, dim, wf));
            t.add(matrix(p + "attn_k.weight", dim, spec.kvDim(), wf));
            t.add(matrix(p + "attn_v.weight", dim, spec.kvDim(), wf));
            if (spec.architecture().hasQkvBias()) {
                t.add(bias(p + "attn_q.bias", dim));
                t.add(bias(p + "attn_k.bias", spec.kvDim()));
                t.add(bias(p + "attn_v.bias", spec.kvDim()));
            }
            if (spec.architecture().hasQkNorm()) {
                t.add(norm(p + "attn_q_norm.weight", spec.headDim()));
                t.add(norm(p + "attn_k_norm.weight", spec.headDim()));
            }
            t.add(matrix(p + "attn_output.weight", dim, dim, wf));
            t.add(norm(p + "ffn_norm.weight", dim));
            t.add(matrix(p + "ffn_gate.weight", dim, spec.ffn(), wf));
            t.add(matrix(p + "ffn_up.weight", dim, spec.ffn(), wf));
            t.add(matrix(p + "ffn_down.weight", spec.ffn(), dim, wf));
        }
        return List.copyOf(t);
    }

    private static SyntheticTensor matrix(String name, int rowLength, int rows, QuantFormat f) {
        return matrix(name, rowLength, rows, f, 1f / (float) Math.sqrt(rowLength));
    }

    private static SyntheticTensor matrix(String name, int rowLength, int rows, QuantFormat f, float scale) {
        return new SyntheticTensor(name, new long[] {rowLength, rows}, f, SyntheticTensor.Kind.MATRIX, scale);
    }

    private static SyntheticTensor norm(String name, int n) {
        return new SyntheticTensor(name, new long[] {n}, QuantFormat.F32, SyntheticTensor.Kind.NORM, 0f);
    }

    private static SyntheticTensor bias(String name, int n) {
        return new SyntheticTensor(name, new long[] {n}, QuantFormat.F32, SyntheticTensor.Kind.BIAS, BIAS_SCALE);
    }

    /**
     * Writes the model using every available processor.
     *
     * @param spec the model
     * @param target the file to create or replace (written to a temporary file, then moved)
     * @return the size of the file in bytes
     * @throws UncheckedIOException when the file cannot be written
     */
    public static long write(SyntheticModel spec, Path target) {
        return write(spec, target, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Writes the model. The bytes do not depend on {@code threads}.
     *
     * @param spec the model
     * @param target the file to create or replace (written to a temporary file, then moved)
     * @param threads threads that generate and encode rows, at least 1
     * @return the size of the file in bytes
     * @throws UncheckedIOException when the file cannot be written
     */
    public static long write(SyntheticModel spec, Path target, int threads) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(target, "target");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread th = new Thread(r, "jinfer-synth");
            th.setDaemon(true);
            return th;
        })) {
            GgufWriter w = new GgufWriter();
            putModelMetadata(w, spec);
            putVocabulary(w, SyntheticVocabulary.build(spec.vocab()));
            for (SyntheticTensor t : tensors(spec)) {
                w.addTensor(t.name(), t.format(), t.shape(), new TensorStream(t, spec.seed(), pool, threads));
            }
            return w.write(target);
        }
    }

    private static void putModelMetadata(GgufWriter w, SyntheticModel spec) {
        String a = spec.architecture().ggufName();
        w.putString("general.architecture", a);
        w.putString("general.name", spec.name());
        w.alignment(32);
        w.putUint32(a + ".context_length", spec.context());
        w.putUint32(a + ".embedding_length", spec.dim());
        w.putUint32(a + ".feed_forward_length", spec.ffn());
        w.putUint32(a + ".block_count", spec.layers());
        w.putUint32(a + ".attention.head_count", spec.heads());
        w.putUint32(a + ".attention.head_count_kv", spec.kvHeads());
        w.putUint32(a + ".rope.dimension_count", spec.headDim());
        w.putFloat32(a + ".rope.freq_base", spec.ropeBase());
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", SyntheticModel.RMS_NORM_EPS);
        w.putUint32(a + ".vocab_size", spec.vocab());
        if (spec.architecture() == Architecture.QWEN3) {
            // llama.cpp writes the head widths explicitly for qwen3, whose heads need not be dim/heads.
            w.putUint32(a + ".attention.key_length", spec.headDim());
            w.putUint32(a + ".attention.value_length", spec.headDim());
        }
        w.putUint32("general.file_type", LlamaFileType.of(spec.weightFormat()));
        if (spec.weightFormat().blockSize() > 1) {
            w.putUint32("general.quantization_version", 2);
        }
    }

    private static void putVocabulary(GgufWriter w, SyntheticVocabulary v) {
        w.putString("tokenizer.ggml.model", "llama");
        w.putArray("tokenizer.ggml.tokens", GgufValueType.STRING, v.tokens());
        w.putArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, v.scores());
        w.putArray("tokenizer.ggml.token_type", GgufValueType.INT32, v.types());
        w.putUint32("tokenizer.ggml.unknown_token_id", SyntheticVocabulary.UNK_ID);
        w.putUint32("tokenizer.ggml.bos_token_id", SyntheticVocabulary.BOS_ID);
        w.putUint32("tokenizer.ggml.eos_token_id", SyntheticVocabulary.EOS_ID);
        w.putBool("tokenizer.ggml.add_bos_token", true);
        w.putBool("tokenizer.ggml.add_eos_token", false);
    }
}
