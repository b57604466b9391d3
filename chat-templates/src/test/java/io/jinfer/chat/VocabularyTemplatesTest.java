package io.jinfer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.Tokenizer;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.tokenizer.Tokenizers;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real vocabularies from {@code ../shared/tokenizer}: the chat templates their GGUF files carry
 * (Qwen2, Phi-3) render through Jinjava, and a vocabulary without one gets its family's built-in
 * template, recognised by its special tokens (Llama 3). The prompts must also tokenize with the
 * template's markers as single special tokens.
 */
class VocabularyTemplatesTest {
    private static final List<ChatMessage> CHAT = List.of(new ChatMessage("system", "Be kind."),
            new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello!"), new ChatMessage("user", "Bye"));

    private record Vocab(Tokenizer tokenizer, ChatTemplate template) {}

    private static Vocab load(String name) {
        try (GgufFile f = GgufFile.open(require("tokenizer/ggml-vocab-" + name + ".gguf"))) {
            Tokenizer tok = Tokenizers.fromGguf(f.metadata());
            return new Vocab(tok, ChatTemplate.forVocabulary(tok,
                    f.metadata().get(ChatTemplate.METADATA_KEY).orElse(null)));
        }
    }

    private static void isOneSpecialToken(Tokenizer tok, String marker) {
        int[] ids = tok.encode(marker, false, true);
        assertEquals(1, ids.length, marker + " is one token");
    }

    @Test
    void qwen2TemplateFromTheFile() {
        Vocab v = load("qwen2");
        assertEquals("model", v.template().name());
        String p = v.template().render(CHAT, true);
        assertTrue(p.startsWith("<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"), p);
        assertTrue(p.contains("<|im_start|>assistant\nHello!<|im_end|>\n"), p);
        assertTrue(p.endsWith("<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n"), p);
        isOneSpecialToken(v.tokenizer(), "<|im_start|>");
    }

    @Test
    void phi3TemplateFromTheFile() {
        Vocab v = load("phi-3");
        assertEquals("model", v.template().name());
        String p = v.template().render(CHAT, true);
        assertTrue(p.contains("<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"), p);
        assertTrue(p.endsWith("<|user|>\nBye<|end|>\n<|assistant|>\n"), p);
        isOneSpecialToken(v.tokenizer(), "<|user|>");
    }

    @Test
    void llama3VocabularyGetsTheBuiltInTemplate() {
        Vocab v = load("llama-bpe");
        assertEquals("llama3", v.template().name());
        String p = v.template().render(CHAT, true);
        assertTrue(p.startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe kind.<|eot_id|>"), p);
        int[] ids = v.tokenizer().encode(p, false, true);
        assertEquals(v.tokenizer().bosToken(), ids[0], "BOS written by the template is the BOS token");
    }

    private static java.nio.file.Path require(String relative) {
        String p = System.getProperty("jinfer.shared.dir");
        java.nio.file.Path dir = p == null || p.isBlank() ? null : java.nio.file.Path.of(p);
        org.junit.jupiter.api.Assumptions.assumeTrue(dir != null && java.nio.file.Files.isDirectory(dir),
                "skipped: ../shared is absent (system property jinfer.shared.dir=" + p + ")");
        java.nio.file.Path file = dir.resolve(relative);
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(file), "skipped: " + file + " is absent");
        return file;
    }
}
