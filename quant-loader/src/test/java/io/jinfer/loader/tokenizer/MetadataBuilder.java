package io.jinfer.loader.tokenizer;

import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufValueType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds in-memory GGUF metadata for tokenizer tests. */
final class MetadataBuilder {
    private final Map<String, GgufMetadata.Entry> entries = new LinkedHashMap<>();

    MetadataBuilder string(String key, String value) {
        entries.put(key, new GgufMetadata.Entry(GgufValueType.STRING, null, value));
        return this;
    }

    MetadataBuilder u32(String key, long value) {
        entries.put(key, new GgufMetadata.Entry(GgufValueType.UINT32, null, value));
        return this;
    }

    MetadataBuilder bool(String key, boolean value) {
        entries.put(key, new GgufMetadata.Entry(GgufValueType.BOOL, null, value));
        return this;
    }

    MetadataBuilder strings(String key, List<String> values) {
        entries.put(key, new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.STRING, List.copyOf(values)));
        return this;
    }

    MetadataBuilder floats(String key, float... values) {
        entries.put(key, new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.FLOAT32, values));
        return this;
    }

    MetadataBuilder ints(String key, long... values) {
        entries.put(key, new GgufMetadata.Entry(GgufValueType.ARRAY, GgufValueType.INT32, values));
        return this;
    }

    MetadataBuilder remove(String key) {
        entries.remove(key);
        return this;
    }

    GgufMetadata build() {
        return new GgufMetadata(null, entries);
    }

    /**
     * A tiny SentencePiece vocabulary: unk, BOS, EOS, a few pieces with scores, and no byte tokens.
     * Ids: 0 &lt;unk&gt;, 1 &lt;s&gt;, 2 &lt;/s&gt;, 3 ▁, 4 a, 5 b, 6 ▁a, 7 ab, 8 ▁ab, 9 &lt;ctl&gt;, 10 &lt;usr&gt;.
     */
    static MetadataBuilder tinySpm() {
        return new MetadataBuilder()
                .string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens",
                        List.of("<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a", "ab", "\u2581ab", "<ctl>", "<usr>"))
                .floats("tokenizer.ggml.scores", 0, 0, 0, -1, -2, -2, -1f, -0.5f, -3, 0, 0)
                .ints("tokenizer.ggml.token_type", 2, 3, 3, 1, 1, 1, 1, 1, 1, 3, 4)
                .u32("tokenizer.ggml.bos_token_id", 1)
                .u32("tokenizer.ggml.eos_token_id", 2)
                .u32("tokenizer.ggml.unknown_token_id", 0);
    }

    /**
     * A tiny byte-level BPE vocabulary with GPT-2 pre-tokenization. Ids: 0 h, 1 e, 2 l, 3 o, 4 Ġ,
     * 5 he, 6 ll, 7 llo, 8 hello, 9 Ġh, 10 &lt;|endoftext|&gt;.
     */
    static MetadataBuilder tinyBpe() {
        return new MetadataBuilder()
                .string("tokenizer.ggml.model", "gpt2")
                .string("tokenizer.ggml.pre", "gpt-2")
                .strings("tokenizer.ggml.tokens",
                        List.of("h", "e", "l", "o", "\u0120", "he", "ll", "llo", "hello", "\u0120h", "<|endoftext|>"))
                .ints("tokenizer.ggml.token_type", 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3)
                .strings("tokenizer.ggml.merges", List.of("l l", "h e", "ll o", "he llo", "\u0120 h"))
                .u32("tokenizer.ggml.bos_token_id", 10)
                .u32("tokenizer.ggml.eos_token_id", 10);
    }
}
