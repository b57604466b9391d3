package io.jinfer.loader.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import io.jinfer.loader.safetensors.SafetensorsDtype;
import io.jinfer.loader.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test fixture: writes an F32/F16/BF16 GGUF model of the llama family (SentencePiece vocabulary) as
 * the Hugging Face directory it would have been converted from: config.json from the metadata,
 * HF names and PyTorch shapes, llama Q/K rows put back in rotate-half order, and a Unigram
 * tokenizer.json with the same pieces, scores and special tokens.
 */
public final class HfDirectories {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfDirectories() {}

    /**
     * Writes {@code gguf} into {@code dir}.
     *
     * @param gguf the model
     * @param dir the directory to create
     * @param shards 1 for {@code model.safetensors}, 2 for the layers in a second shard with an index
     * @return {@code dir}
     */
    public static Path write(Path gguf, Path dir, int shards) {
        try (GgufFile in = GgufFile.open(gguf)) {
            Files.createDirectories(dir);
            GgufMetadata md = in.metadata();
            String arch = md.getString("general.architecture");
            int heads = md.getInt(arch + ".attention.head_count");
            int kvHeads = md.getInt(arch + ".attention.head_count_kv", heads);
            Files.writeString(dir.resolve("config.json"), config(md, !in.hasTensor("output.weight")));
            writeTokenizer(md, dir);
            SafetensorsWriter first = new SafetensorsWriter().putMetadata("format", "pt");
            SafetensorsWriter second = new SafetensorsWriter().putMetadata("format", "pt");
            Map<String, String> index = new LinkedHashMap<>();
            String[] files = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
            for (TensorView t : in.tensors()) {
                String name = HfTensorNames.toHf(t.name()).orElseThrow();
                boolean layer = name.startsWith("model.layers.") && shards == 2;
                index.put(name, files[layer ? 1 : 0]);
                byte[] bytes = t.data().toArray(ValueLayout.JAVA_BYTE);
                if (arch.equals("llama") && t.name().matches("blk\\.\\d+\\.attn_[qk]\\.weight")) {
                    bytes = unpermute(bytes, t.rows(), t.rowBytes(), t.name().contains("attn_q") ? heads : kvHeads);
                }
                long[] g = t.shape();
                long[] shape = g.length == 1 ? g : new long[] {g[1], g[0]};
                (layer ? second : first).add(name, SafetensorsDtype.valueOf(t.format().name()), shape,
                        MemorySegment.ofArray(bytes));
            }
            if (shards == 1) {
                first.write(dir.resolve(SafetensorsCheckpoint.SINGLE));
            } else {
                first.write(dir.resolve(files[0]));
                second.write(dir.resolve(files[1]));
                ObjectNode idx = JSON.createObjectNode();
                idx.putObject("metadata");
                ObjectNode map = idx.putObject("weight_map");
                index.forEach(map::put);
                Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), JSON.writeValueAsString(idx));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Moves GGUF row {@code 2i + j} of each head back to HF row {@code j * half + i}. */
    static byte[] unpermute(byte[] gguf, int rows, long rowBytes, int heads) {
        int headDim = rows / heads;
        int half = headDim / 2;
        int rb = Math.toIntExact(rowBytes);
        byte[] hf = new byte[gguf.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    System.arraycopy(gguf, (h * headDim + 2 * i + j) * rb, hf, (h * headDim + j * half + i) * rb, rb);
                }
            }
        }
        return hf;
    }

    static String config(GgufMetadata md, boolean tied) throws IOException {
        String a = md.getString("general.architecture");
        int dim = md.getInt(a + ".embedding_length");
        int heads = md.getInt(a + ".attention.head_count");
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", a);
        c.put("hidden_size", dim);
        c.put("num_hidden_layers", md.getInt(a + ".block_count"));
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", md.getInt(a + ".attention.head_count_kv", heads));
        c.put("head_dim", md.getInt(a + ".attention.key_length", dim / heads));
        c.put("intermediate_size", md.getInt(a + ".feed_forward_length"));
        c.put("rms_norm_eps", md.getDouble(a + ".attention.layer_norm_rms_epsilon", 1e-5));
        c.put("rope_theta", md.getDouble(a + ".rope.freq_base", 10000));
        c.put("max_position_embeddings", md.getInt(a + ".context_length", 2048));
        c.put("tie_word_embeddings", tied);
        c.put("vocab_size", md.getStringArray("tokenizer.ggml.tokens").size());
        c.put("bos_token_id", md.getInt("tokenizer.ggml.bos_token_id", 1));
        c.put("eos_token_id", md.getInt("tokenizer.ggml.eos_token_id", 2));
        c.put("hidden_act", "silu");
        c.put("torch_dtype", "float32");
        return JSON.writeValueAsString(c);
    }

    /** A Unigram tokenizer.json (pieces with their scores) and the special tokens in tokenizer_config.json. */
    static void writeTokenizer(GgufMetadata md, Path dir) throws IOException {
        List<String> tokens = md.getStringArray("tokenizer.ggml.tokens");
        float[] scores = md.getFloatArray("tokenizer.ggml.scores");
        long[] types = md.getLongArray("tokenizer.ggml.token_type");
        int unk = md.getInt("tokenizer.ggml.unknown_token_id", 0);
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < tokens.size(); i++) {
            if (types[i] == 3) {
                added.addObject().put("id", i).put("content", tokens.get(i)).put("special", true);
            }
        }
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "Sequence");
        norm.putArray("normalizers").addObject().put("type", "Prepend").put("prepend", "\u2581");
        ObjectNode model = root.putObject("model");
        model.put("type", "Unigram");
        model.put("unk_id", unk);
        model.put("byte_fallback", true);
        ArrayNode vocab = model.putArray("vocab");
        for (int i = 0; i < tokens.size(); i++) {
            vocab.addArray().add(tokens.get(i)).add(scores[i]);
        }
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
        ObjectNode tc = JSON.createObjectNode();
        tc.put("bos_token", tokens.get(md.getInt("tokenizer.ggml.bos_token_id")));
        tc.put("eos_token", tokens.get(md.getInt("tokenizer.ggml.eos_token_id")));
        tc.put("unk_token", tokens.get(unk));
        tc.put("add_bos_token", md.getBoolean("tokenizer.ggml.add_bos_token", true));
        tc.put("add_eos_token", md.getBoolean("tokenizer.ggml.add_eos_token", false));
        tc.put("chat_template", "{% for m in messages %}{{ m['content'] }}{% endfor %}");
        Files.writeString(dir.resolve(HfTokenizerMetadata.TOKENIZER_CONFIG), JSON.writeValueAsString(tc));
    }
}
