package io.jinfer.loader.tokenizer;

import io.jinfer.api.Tokenizer;
import io.jinfer.loader.gguf.GgufMetadata;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** TEMPORARY SHIM (not committed). */
public final class Tokenizers {
    private Tokenizers() {}

    public static Tokenizer fromGguf(GgufMetadata md) {
        List<String> tokens = md.getStringArray("tokenizer.ggml.tokens");
        int eos = md.getInt("tokenizer.ggml.eos_token_id", 2);
        return new Tokenizer() {
            public int[] encode(String text, boolean a, boolean b) { throw new UnsupportedOperationException(); }
            public byte[] tokenBytes(int t) { return tokens.get(t).replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8); }
            public String decode(int[] ts) { StringBuilder sb = new StringBuilder(); for (int t : ts) sb.append(new String(tokenBytes(t), StandardCharsets.UTF_8)); return sb.toString(); }
            public StreamDecoder newStreamDecoder() { return new StreamDecoder() { public String accept(int t) { return new String(tokenBytes(t), StandardCharsets.UTF_8); } public String flush() { return ""; } }; }
            public int vocabularySize() { return tokens.size(); }
            public int bosToken() { return 1; }
            public int eosToken() { return eos; }
            public boolean isEndOfGeneration(int t) { return t == eos; }
            public String tokenText(int t) { return tokens.get(t); }
        };
    }
}
