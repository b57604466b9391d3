package io.jinfer.loader.hf;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufValueType;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import io.jinfer.loader.safetensors.SafetensorsFile;
import io.jinfer.loader.safetensors.SafetensorsTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face model directory seen as the GGUF file llama.cpp's {@code convert_hf_to_gguf.py}
 * makes of it, without copying anything: the GGUF metadata built from {@code config.json} and the
 * tokenizer files, and every tensor under its GGUF name as a view of the mapped checkpoint, with the
 * row permutation that llama and mistral Q/K projections need ({@link RopePermutation}). Writers
 * (the quantizer) stream the rows from these views.
 *
 * <p>Metadata: {@code general.architecture} ({@code llama} for mistral too, as llama.cpp runs it),
 * {@code general.name}, and per architecture {@code vocab_size}, {@code context_length},
 * {@code embedding_length}, {@code block_count}, {@code feed_forward_length},
 * {@code attention.head_count}, {@code attention.head_count_kv},
 * {@code attention.key_length}/{@code value_length} when {@code head_dim} differs from
 * {@code hidden_size / heads}, {@code attention.layer_norm_rms_epsilon}, {@code rope.freq_base},
 * {@code rope.dimension_count}. Rope scaling (llama3 or linear) becomes the {@code rope_freqs.weight}
 * tensor of per-pair frequency divisors, which llama.cpp and jinfer both apply; the linear
 * {@code rope.scaling.*} keys are left out so the factor is not applied twice. Tokenizer metadata: see
 * {@link HfTokenizerMetadata}. 1-D tensors are meant to be written as F32, as the converter does.
 */
public final class HfToGguf implements AutoCloseable {

    /**
     * One tensor of the GGUF file.
     *
     * @param name its GGUF name ({@code blk.0.attn_q.weight})
     * @param data the source values, shape in ggml order, F32/F16/BF16
     * @param permutation how rows (elements of a 1-D tensor) are reordered, or null to keep them
     */
    public record Tensor(String name, TensorView data, RopePermutation permutation) {}

    private static final Set<QuantFormat> DENSE = Set.of(QuantFormat.F32, QuantFormat.F16, QuantFormat.BF16);

    private final Path directory;
    private final HfConfig config;
    private final SafetensorsCheckpoint checkpoint;
    private final Map<String, GgufMetadata.Entry> metadata;
    private final List<Tensor> tensors;

    private HfToGguf(Path directory, HfConfig config, SafetensorsCheckpoint checkpoint,
            Map<String, GgufMetadata.Entry> metadata, List<Tensor> tensors) {
        this.directory = directory;
        this.config = config;
        this.checkpoint = checkpoint;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
    }

    /**
     * Reads the configuration and tokenizer and maps the checkpoint.
     *
     * @param directory a model directory with {@code config.json}, {@code tokenizer.json} and F32, F16
     *     or BF16 safetensors
     * @return the directory as a GGUF model
     * @throws ModelFormatException naming the file and key or tensor when something is missing,
     *     unsupported (model type, an already quantised checkpoint, a tensor of another dtype) or
     *     malformed
     */
    public static HfToGguf open(Path directory) {
        if (!HfModelDirectory.isModelDirectory(directory)) {
            throw new ModelFormatException(directory, -1, HfConfig.FILE, Files.isDirectory(directory)
                    ? "the directory has no config.json; expected a Hugging Face model directory"
                    : "expected a Hugging Face model directory holding config.json");
        }
        HfConfig config = HfConfig.read(directory);
        HfQuantization q = HfQuantization.read(directory, config);
        if (q.scheme() != HfQuantization.Scheme.NONE) {
            throw new ModelFormatException(q.source(), -1, "quantization", "the checkpoint is already quantised ("
                    + q.scheme() + "); converting reads F32, F16 or BF16 weights only");
        }
        Map<String, GgufMetadata.Entry> md = new LinkedHashMap<>();
        String arch = architecture(config);
        md.put("general.architecture", string(arch));
        md.put("general.name", string(directory.toAbsolutePath().normalize().getFileName().toString()));
        putArchitecture(md, arch, config);
        md.putAll(HfTokenizerMetadata.read(directory, config));
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(directory);
        try {
            List<Tensor> tensors = tensors(directory, config, checkpoint);
            return new HfToGguf(directory, config, checkpoint, md, tensors);
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /**
     * Returns the GGUF architecture llama.cpp runs a {@code model_type} as.
     *
     * @param config a configuration
     * @return {@code llama} for llama and mistral, else the model type
     */
    public static String architecture(HfConfig config) {
        return config.modelType().equals("mistral") ? "llama" : config.modelType();
    }

    private static void putArchitecture(Map<String, GgufMetadata.Entry> md, String a, HfConfig c) {
        md.put(a + ".vocab_size", uint(c.vocabSize()));
        int context = c.json().path("max_position_embeddings").canConvertToInt()
                ? c.json().get("max_position_embeddings").intValue() : c.contextLength();
        md.put(a + ".context_length", uint(context));
        md.put(a + ".embedding_length", uint(c.hiddenSize()));
        md.put(a + ".block_count", uint(c.layers()));
        md.put(a + ".feed_forward_length", uint(c.intermediateSize()));
        md.put(a + ".attention.head_count", uint(c.heads()));
        md.put(a + ".attention.head_count_kv", uint(c.kvHeads()));
        if (c.headDim() * c.heads() != c.hiddenSize()) {
            md.put(a + ".attention.key_length", uint(c.headDim()));
            md.put(a + ".attention.value_length", uint(c.headDim()));
        }
        md.put(a + ".attention.layer_norm_rms_epsilon", new GgufMetadata.Entry(GgufValueType.FLOAT32, null,
                (float) c.rmsNormEps()));
        md.put(a + ".rope.freq_base", new GgufMetadata.Entry(GgufValueType.FLOAT32, null, (float) c.ropeTheta()));
        md.put(a + ".rope.dimension_count", uint(c.ropeDims()));
    }

    private static List<Tensor> tensors(Path directory, HfConfig config, SafetensorsCheckpoint checkpoint) {
        boolean permute = config.modelType().equals("llama") || config.modelType().equals("mistral");
        List<Tensor> out = new ArrayList<>();
        float[] freqs = config.ropeFrequencyFactors();
        if (freqs != null) {
            MemorySegment seg = MemorySegment.ofArray(new byte[4 * freqs.length]);
            for (int i = 0; i < freqs.length; i++) {
                seg.setAtIndex(LittleEndian.FLOAT, i, freqs[i]);
            }
            out.add(new Tensor("rope_freqs.weight", new TensorView("rope_freqs.weight", QuantFormat.F32,
                    new long[] {freqs.length}, seg), null));
        }
        for (String name : checkpoint.names()) {
            if (name.endsWith(".rotary_emb.inv_freq")) {
                // Recomputed from rope_theta; the converter drops it too.
                continue;
            }
            Optional<String> role = HfTensorNames.toRole(name);
            if (role.isEmpty()) {
                throw new ModelFormatException(checkpoint.tensor(name).file(), -1, name,
                        "no GGUF name for this tensor of a " + config.modelType() + " model");
            }
            if (role.get().equals("output.weight") && config.tieWordEmbeddings()) {
                // Tied: the output reuses token_embd.weight, as the GGUF loader does without output.weight.
                continue;
            }
            SafetensorsTensor t = checkpoint.tensor(name);
            if (t.dtype().format().isEmpty() || !DENSE.contains(t.dtype().format().get())) {
                throw new ModelFormatException(t.file(), -1, name, "tensor of type " + t.dtype()
                        + " cannot be converted; expected F32, F16 or BF16");
            }
            TensorView view = t.toView();
            RopePermutation p = null;
            if (permute && role.get().matches("blk\\.\\d+\\.attn_[qk]\\.(weight|bias)")) {
                p = new RopePermutation(role.get().contains("attn_q") ? config.heads() : config.kvHeads(), true);
                long rows = view.shape().length == 1 ? view.shape()[0] : view.shape()[1];
                if (!p.fits(rows)) {
                    throw new ModelFormatException(t.file(), -1, name, rows + " rows do not split into "
                            + p.heads() + " heads of an even size");
                }
            }
            out.add(new Tensor(role.get(), new TensorView(role.get(), view.format(), view.shape(), view.data()), p));
        }
        if (!config.tieWordEmbeddings() && !checkpoint.hasTensor("lm_head.weight")) {
            // A GGUF file without output.weight reuses the embeddings: a different model than config.json says.
            throw new ModelFormatException(directory, -1, "lm_head.weight", "config.json says tie_word_embeddings is "
                    + "false but the checkpoint has no lm_head.weight");
        }
        return out;
    }

    /**
     * Returns the directory.
     *
     * @return the model directory
     */
    public Path directory() {
        return directory;
    }

    /**
     * Returns the parsed {@code config.json}.
     *
     * @return the configuration
     */
    public HfConfig config() {
        return config;
    }

    /**
     * Returns the GGUF metadata, without {@code general.file_type} (the writer knows it).
     *
     * @return the entries in the order to write them
     */
    public Map<String, GgufMetadata.Entry> metadata() {
        return metadata;
    }

    /**
     * Returns the tensors under their GGUF names, in checkpoint order ({@code rope_freqs.weight} first).
     *
     * @return the tensors
     */
    public List<Tensor> tensors() {
        return tensors;
    }

    /**
     * Returns the size of the safetensors files, for reports.
     *
     * @return bytes of every shard together
     */
    public long checkpointBytes() {
        long n = 0;
        for (SafetensorsFile f : checkpoint.files()) {
            try {
                n += Files.size(f.path());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the size of " + f.path(), e);
            }
        }
        return n;
    }

    /**
     * Unmaps the checkpoint.
     *
     * @throws IllegalStateException when already closed
     */
    @Override
    public void close() {
        checkpoint.close();
    }

    private static GgufMetadata.Entry string(String s) {
        return new GgufMetadata.Entry(GgufValueType.STRING, null, s);
    }

    private static GgufMetadata.Entry uint(int v) {
        return new GgufMetadata.Entry(GgufValueType.UINT32, null, (long) v);
    }
}
