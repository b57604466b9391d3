package io.jinfer.executor;

import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.hf.HfTensorNames;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import io.jinfer.loader.safetensors.SafetensorsDtype;
import io.jinfer.loader.safetensors.SafetensorsWriter;
import io.jinfer.loader.synth.Architecture;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticVocabulary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a synthetic GGUF model as the Hugging Face directory it was "converted" from: HF tensor
 * names, PyTorch shapes, and for llama the Q/K rows put back in rotate-half order, undoing the
 * permutation llama.cpp's converter applies.
 */
final class HfCheckpoints {
    private HfCheckpoints() {}

    /**
     * Writes {@code spec}'s GGUF file {@code gguf} into {@code dir}.
     *
     * @param shards 1 for {@code model.safetensors}, 2 for the layers in a second shard with an index
     */
    static void write(SyntheticModel spec, Path gguf, Path dir, int shards) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), config(spec));
            SafetensorsWriter first = new SafetensorsWriter().putMetadata("format", "pt");
            SafetensorsWriter second = new SafetensorsWriter().putMetadata("format", "pt");
            Map<String, String> index = new LinkedHashMap<>();
            String[] files = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
            try (GgufFile in = GgufFile.open(gguf)) {
                for (TensorView t : in.tensors()) {
                    String name = HfTensorNames.toHf(t.name()).orElse(null);
                    if (name == null) {
                        // rope_freqs.weight: HF keeps rope scaling in config.json instead.
                        continue;
                    }
                    boolean layer = name.startsWith("model.layers.");
                    SafetensorsWriter w = shards == 2 && layer ? second : first;
                    index.put(name, files[shards == 2 && layer ? 1 : 0]);
                    byte[] bytes = t.data().toArray(ValueLayout.JAVA_BYTE);
                    if (spec.architecture() == Architecture.LLAMA && t.name().matches("blk\\.\\d+\\.attn_[qk]\\.weight")) {
                        int heads = t.name().contains("attn_q") ? spec.heads() : spec.kvHeads();
                        bytes = unpermute(bytes, t.rows(), t.rowBytes(), heads);
                    }
                    long[] g = t.shape();
                    long[] shape = g.length == 1 ? g : new long[] {g[1], g[0]};
                    w.add(name, SafetensorsDtype.valueOf(t.format().name()), shape, MemorySegment.ofArray(bytes));
                }
            }
            if (shards == 1) {
                first.write(dir.resolve(SafetensorsCheckpoint.SINGLE));
            } else {
                first.write(dir.resolve(files[0]));
                second.write(dir.resolve(files[1]));
                StringBuilder sb = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
                index.forEach((k, v) -> sb.append('"').append(k).append("\":\"").append(v).append("\","));
                sb.setLength(sb.length() - 1);
                Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), sb.append("}}").toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a llama-family GGUF file that is not synthetic here (such as the shared master) the same
     * way, its shape read from the metadata.
     */
    static void writeFromGguf(Path gguf, Path dir) {
        SyntheticModel spec;
        try (GgufFile in = GgufFile.open(gguf)) {
            io.jinfer.loader.gguf.GgufMetadata md = in.metadata();
            String a = md.getString("general.architecture");
            int heads = md.getInt(a + ".attention.head_count");
            spec = new SyntheticModel(Architecture.valueOf(a.toUpperCase(java.util.Locale.ROOT)),
                    md.getInt(a + ".embedding_length"), md.getInt(a + ".block_count"), heads,
                    md.getInt(a + ".attention.head_count_kv", heads), md.getInt(a + ".feed_forward_length"),
                    md.getStringArray("tokenizer.ggml.tokens").size(), md.getInt(a + ".context_length", 2048),
                    (float) md.getDouble(a + ".rope.freq_base", 10000), !in.hasTensor("output.weight"),
                    in.tensor("blk.0.attn_q.weight").format(), 0);
        }
        write(spec, gguf, dir, 1);
    }

    /**
     * llama.cpp's converter moves HF row {@code j * half + i} of each head to GGUF row {@code 2i + j};
     * this moves it back.
     */
    static byte[] unpermute(byte[] gguf, int rows, long rowBytes, int heads) {
        int headDim = rows / heads;
        int half = headDim / 2;
        byte[] hf = new byte[gguf.length];
        int rb = Math.toIntExact(rowBytes);
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < 2; j++) {
                for (int i = 0; i < half; i++) {
                    int from = h * headDim + 2 * i + j;
                    int to = h * headDim + j * half + i;
                    System.arraycopy(gguf, from * rb, hf, to * rb, rb);
                }
            }
        }
        return hf;
    }

    static String config(SyntheticModel spec) {
        return "{\"architectures\":[\"X\"],\"model_type\":\"" + spec.architecture().ggufName() + "\","
                + "\"hidden_size\":" + spec.dim() + ",\"num_hidden_layers\":" + spec.layers()
                + ",\"num_attention_heads\":" + spec.heads() + ",\"num_key_value_heads\":" + spec.kvHeads()
                + ",\"head_dim\":" + spec.headDim() + ",\"intermediate_size\":" + spec.ffn()
                + ",\"rms_norm_eps\":" + SyntheticModel.RMS_NORM_EPS + ",\"rope_theta\":" + spec.ropeBase()
                + ",\"max_position_embeddings\":" + spec.context() + ",\"tie_word_embeddings\":" + spec.tiedEmbeddings()
                + ",\"vocab_size\":" + spec.vocab() + ",\"bos_token_id\":" + SyntheticVocabulary.BOS_ID
                + ",\"eos_token_id\":" + SyntheticVocabulary.EOS_ID + ",\"hidden_act\":\"silu\"}";
    }
}
