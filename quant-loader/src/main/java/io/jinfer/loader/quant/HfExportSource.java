package io.jinfer.loader.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.hf.HfConfig;
import io.jinfer.loader.hf.HfQuantization;
import io.jinfer.loader.hf.HfTensorNames;
import io.jinfer.loader.hf.RopePermutation;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import io.jinfer.loader.safetensors.SafetensorsFile;
import io.jinfer.loader.safetensors.SafetensorsTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A plain (F32, F16 or BF16) model seen as a Hugging Face checkpoint, for writers of safetensors
 * checkpoints: a model directory as it is, or a GGUF file of the llama family with its tensors
 * renamed ({@link HfTensorNames}), llama Q/K rows put back in rotate-half order, and a
 * {@code config.json} built from its metadata.
 */
final class HfExportSource implements AutoCloseable {
    /** Files of a model directory that travel with its weights. */
    static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "added_tokens.json", "vocab.json", "merges.txt",
            "generation_config.json", "chat_template.jinja", "chat_template.json");

    private static final Set<QuantFormat> DENSE = Set.of(QuantFormat.F32, QuantFormat.F16, QuantFormat.BF16);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One tensor.
     *
     * @param name its checkpoint name ({@code model.layers.0.self_attn.q_proj.weight})
     * @param role its jinfer (GGUF) name, or its checkpoint name when it has none
     * @param data the values in the source, shape in ggml order
     * @param permutation the row (element) order to write them in, or null
     */
    record Tensor(String name, String role, TensorView data, RopePermutation permutation) {

        /** @return rows: output channels of a matrix, 1 for a vector */
        int rows() {
            return data.shape().length == 1 ? 1 : Math.toIntExact(data.data().byteSize()
                    / data.format().rowBytes(columns()));
        }

        /** @return values per row */
        int columns() {
            return Math.toIntExact(data.shape()[0]);
        }

        /** @return the shape as a checkpoint stores it, slowest-varying first */
        long[] hfShape() {
            long[] g = data.shape();
            long[] s = new long[g.length];
            for (int i = 0; i < g.length; i++) {
                s[i] = g[g.length - 1 - i];
            }
            return s;
        }

        /**
         * Reads the whole tensor as floats, rows in output order.
         *
         * @return rows * columns values, row major
         */
        float[] readAll() {
            int rows = rows();
            int cols = columns();
            float[] out = new float[Math.multiplyExact(rows, cols)];
            long rowBytes = data.format().rowBytes(cols);
            if (rows == 1 && permutation != null) {
                float[] plain = new float[cols];
                ReferenceDequantizer.dequantize(data.format(), data.data(), 0, cols, plain, 0);
                for (int i = 0; i < cols; i++) {
                    out[i] = plain[(int) permutation.sourceRow(i, cols)];
                }
                return out;
            }
            for (int r = 0; r < rows; r++) {
                long from = permutation == null ? r : permutation.sourceRow(r, rows);
                ReferenceDequantizer.dequantize(data.format(), data.data(), from * rowBytes, cols, out, r * cols);
            }
            return out;
        }
    }

    private final Path path;
    private final long bytes;
    private final ObjectNode config;
    private final List<Tensor> tensors;
    private final Path sideFileDirectory;
    private final AutoCloseable resource;

    private HfExportSource(Path path, long bytes, ObjectNode config, List<Tensor> tensors, Path sideFileDirectory,
            AutoCloseable resource) {
        this.path = path;
        this.bytes = bytes;
        this.config = config;
        this.tensors = List.copyOf(tensors);
        this.sideFileDirectory = sideFileDirectory;
        this.resource = resource;
    }

    /**
     * Opens a model directory or a GGUF file.
     *
     * @param path the input
     * @return the source
     * @throws ModelFormatException when the model is not a plain llama, mistral, qwen2 or qwen3 model
     */
    static HfExportSource open(Path path) {
        return Files.isDirectory(path) ? directory(path) : gguf(path);
    }

    private static HfExportSource directory(Path dir) {
        if (!Files.isRegularFile(dir.resolve(HfConfig.FILE))) {
            throw new ModelFormatException(dir, -1, HfConfig.FILE,
                    "the directory has no config.json; expected a Hugging Face model directory");
        }
        HfConfig config = HfConfig.read(dir);
        HfQuantization q = HfQuantization.read(dir, config);
        if (q.scheme() != HfQuantization.Scheme.NONE) {
            throw new ModelFormatException(q.source(), -1, "quantization", "the checkpoint is already quantised ("
                    + q.scheme() + "); quantize reads F32, F16 or BF16 weights only");
        }
        SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir);
        try {
            List<Tensor> list = new ArrayList<>();
            long bytes = 0;
            for (SafetensorsFile f : ckpt.files()) {
                bytes += size(f.path());
            }
            for (String name : ckpt.names()) {
                SafetensorsTensor t = ckpt.tensor(name);
                if (t.dtype().format().isEmpty() || !DENSE.contains(t.dtype().format().get())) {
                    throw new ModelFormatException(t.file(), -1, name, "tensor of type " + t.dtype()
                            + " cannot be quantised; expected F32, F16 or BF16");
                }
                list.add(new Tensor(name, HfTensorNames.toRole(name).orElse(name), t.toView(), null));
            }
            return new HfExportSource(dir, bytes, config.json().deepCopy(), list, dir, ckpt);
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    private static HfExportSource gguf(Path file) {
        GgufFile in = GgufFile.open(file);
        try {
            GgufMetadata md = in.metadata();
            String arch = md.getString("general.architecture");
            if (!Set.of("llama", "qwen2", "qwen3").contains(arch)) {
                throw new ModelFormatException(file, -1, "general.architecture", "\"" + arch
                        + "\" has no Hugging Face form here; expected llama, qwen2 or qwen3");
            }
            int heads = md.getInt(arch + ".attention.head_count");
            int kvHeads = md.getInt(arch + ".attention.head_count_kv", heads);
            List<Tensor> list = new ArrayList<>();
            for (TensorView t : in.tensors()) {
                if (t.name().equals("rope_freqs.weight")) {
                    throw new ModelFormatException(file, -1, t.name(), "rope frequency factors (llama3 rope scaling) "
                            + "cannot be written back to config.json; convert the original Hugging Face directory");
                }
                String name = HfTensorNames.toHf(t.name()).orElseThrow(() -> new ModelFormatException(file, -1,
                        t.name(), "no Hugging Face name for this tensor"));
                if (!DENSE.contains(t.format())) {
                    throw new ModelFormatException(file, -1, t.name(), "tensor of type " + t.format()
                            + " cannot be quantised; expected F32, F16 or BF16");
                }
                RopePermutation p = null;
                if (arch.equals("llama") && t.name().matches("blk\\.\\d+\\.attn_[qk]\\.(weight|bias)")) {
                    p = new RopePermutation(t.name().contains("attn_q") ? heads : kvHeads, false);
                }
                list.add(new Tensor(name, t.name(), t, p));
            }
            return new HfExportSource(file, in.fileSize(), config(md, arch, !in.hasTensor("output.weight"), in),
                    list, null, in);
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** The {@code config.json} of a GGUF model, from the keys llama.cpp's converter wrote it from. */
    private static ObjectNode config(GgufMetadata md, String a, boolean tied, GgufFile in) {
        int dim = md.getInt(a + ".embedding_length");
        int heads = md.getInt(a + ".attention.head_count");
        int headDim = md.getInt(a + ".attention.key_length", dim / heads);
        int ropeDims = md.getInt(a + ".rope.dimension_count", headDim);
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(switch (a) {
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            default -> "LlamaForCausalLM";
        });
        c.put("model_type", a);
        c.put("hidden_size", dim);
        c.put("intermediate_size", md.getInt(a + ".feed_forward_length"));
        c.put("num_hidden_layers", md.getInt(a + ".block_count"));
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", md.getInt(a + ".attention.head_count_kv", heads));
        c.put("head_dim", headDim);
        if (ropeDims != headDim) {
            c.put("partial_rotary_factor", (double) ropeDims / headDim);
        }
        c.put("rms_norm_eps", md.getDouble(a + ".attention.layer_norm_rms_epsilon", 1e-5));
        c.put("rope_theta", md.getDouble(a + ".rope.freq_base", 10000.0));
        c.put("max_position_embeddings", md.getInt(a + ".context_length", 2048));
        c.put("vocab_size", Math.toIntExact(in.tensor("token_embd.weight").shape()[1]));
        c.put("tie_word_embeddings", tied);
        c.put("hidden_act", "silu");
        if (md.has("tokenizer.ggml.bos_token_id")) {
            c.put("bos_token_id", md.getInt("tokenizer.ggml.bos_token_id"));
        }
        if (md.has("tokenizer.ggml.eos_token_id")) {
            c.put("eos_token_id", md.getInt("tokenizer.ggml.eos_token_id"));
        }
        c.put("torch_dtype", "bfloat16");
        return c;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + p, e);
        }
    }

    /** @return the input */
    Path path() {
        return path;
    }

    /** @return bytes of the input on disk */
    long bytes() {
        return bytes;
    }

    /** @return a copy of the configuration to write */
    ObjectNode config() {
        return config.deepCopy();
    }

    /** @return every tensor in input order */
    List<Tensor> tensors() {
        return tensors;
    }

    /** @return the tokenizer and generation files to copy (none for a GGUF input) */
    List<Path> sideFiles() {
        if (sideFileDirectory == null) {
            return List.of();
        }
        return SIDE_FILES.stream().map(sideFileDirectory::resolve).filter(Files::isRegularFile).toList();
    }

    @Override
    public void close() {
        try {
            resource.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot close " + path, e);
        }
    }
}
