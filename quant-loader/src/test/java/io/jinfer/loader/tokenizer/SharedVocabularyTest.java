package io.jinfer.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jinfer.api.Tokenizer;
import io.jinfer.loader.testing.SharedFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour on the real vocabularies in ../shared: round trips, BOS, special tokens, streaming. */
class SharedVocabularyTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "llama-bpe", "qwen2", "gpt-2", "phi-3"})
    void decodeOfEncodeGivesTheTextBack(String name) {
        Tokenizer tok = VocabFixtures.tokenizer(name);
        List<String> failures = new ArrayList<>();
        for (String text : VocabFixtures.inputs(name)) {
            String back = tok.decode(tok.encode(text, false, false));
            if (!back.equals(text)) {
                failures.add("'" + text + "' -> '" + back + "'");
            }
            // streaming gives the same text, save for the leading space decode() drops
            Tokenizer.StreamDecoder sd = tok.newStreamDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : tok.encode(text, false, false)) {
                sb.append(sd.accept(id));
            }
            sb.append(sd.flush());
            String streamed = sb.toString();
            String expected = name.equals("llama-spm") || name.equals("phi-3") ? " " + text : text;
            if (!streamed.equals(expected) && !(text.isEmpty() && streamed.isEmpty())) {
                failures.add("streamed '" + text + "' -> '" + streamed + "'");
            }
        }
        assertTrue(failures.isEmpty(), name + ": " + String.join("\n", failures));
    }

    @Test
    void stories260kPromptMatchesLlamaCpp() throws IOException {
        Path model = SharedFixtures.require("models/stories260K.gguf");
        Path golden = SharedFixtures.require("golden/stories260K.p1.json");
        JsonNode g = new ObjectMapper().readTree(golden.toFile());
        int[] expected = IntStream.range(0, g.get("prompt_tokens").size())
                .map(i -> g.get("prompt_tokens").get(i).asInt()).toArray();
        Tokenizer tok = Tokenizers.fromGguf(VocabFixtures.metadata(model));
        assertEquals(512, tok.vocabularySize());
        assertEquals("Once upon a time", g.get("prompt").asText());
        assertArrayEquals(expected, tok.encode("Once upon a time"));
        assertEquals("Once upon a time", tok.decode(expected));
        for (String p : List.of("p2", "p3")) {
            JsonNode gp = new ObjectMapper().readTree(SharedFixtures.require("golden/stories260K." + p + ".json").toFile());
            int[] exp = IntStream.range(0, gp.get("prompt_tokens").size())
                    .map(i -> gp.get("prompt_tokens").get(i).asInt()).toArray();
            assertArrayEquals(exp, tok.encode(gp.get("prompt").asText()), p);
        }
    }

    @Test
    void stories260kPiecesMatchGreedyOutput() throws IOException {
        Path model = SharedFixtures.require("models/stories260K.gguf");
        JsonNode g = new ObjectMapper().readTree(SharedFixtures.require("golden/stories260K.long.json").toFile());
        Tokenizer tok = Tokenizers.fromGguf(VocabFixtures.metadata(model));
        Tokenizer.StreamDecoder sd = tok.newStreamDecoder();
        StringBuilder streamed = new StringBuilder();
        for (JsonNode step : g.get("greedy")) {
            int id = step.get("token").asInt();
            assertEquals(step.get("piece_hex").asText(), hex(tok.tokenBytes(id)), "piece of token " + id);
            streamed.append(sd.accept(id));
        }
        streamed.append(sd.flush());
        assertEquals(g.get("text").asText(), streamed.toString());
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.toString();
    }

    @Test
    void streamingHoldsBackSplitEmoji() {
        Tokenizer tok = VocabFixtures.tokenizer("llama-spm");
        // 🦙 has no piece in this vocabulary: it is spelled as four byte tokens
        int[] ids = tok.encode("🦙", false, false);
        assertArrayEquals(new int[] {29871, 243, 162, 169, 156}, ids);
        Tokenizer.StreamDecoder sd = tok.newStreamDecoder();
        assertEquals(" ", sd.accept(ids[0]));
        assertEquals("", sd.accept(ids[1]));
        assertEquals("", sd.accept(ids[2]));
        assertEquals("", sd.accept(ids[3]));
        assertEquals("🦙", sd.accept(ids[4]));
        assertEquals("", sd.flush());

        // an unfinished character comes out as U+FFFD on flush, and the decoder starts clean again
        Tokenizer.StreamDecoder cut = tok.newStreamDecoder();
        assertEquals("", cut.accept(ids[1]));
        assertEquals("", cut.accept(ids[2]));
        assertEquals("\uFFFD", cut.flush());
        assertEquals(" a", cut.accept(tok.encode("a", false, false)[0]));

        // a byte that can never start a character is not held back
        Tokenizer.StreamDecoder bad = tok.newStreamDecoder();
        assertEquals("\uFFFD", bad.accept(ids[2]));
        assertEquals("\uFFFD", tok.decode(new int[] {ids[1], ids[2]}));
    }

    @Test
    void bpeStreamingHoldsBackSplitCharacters() {
        Tokenizer tok = VocabFixtures.tokenizer("llama-bpe");
        // "🚀" is split over two byte-level tokens in Llama 3's vocabulary
        int[] ids = tok.encode("🚀", false, false);
        assertTrue(ids.length > 1, Arrays.toString(ids));
        Tokenizer.StreamDecoder sd = tok.newStreamDecoder();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            String s = sd.accept(ids[i]);
            assertEquals(i == ids.length - 1 ? "🚀" : "", s, "after token " + i);
            sb.append(s);
        }
        assertEquals("🚀", sb.toString());
    }

    @Test
    void bosFollowsEachVocabulary() {
        Tokenizer spm = VocabFixtures.tokenizer("llama-spm");
        assertArrayEquals(new int[] {1, 15043, 3186}, spm.encode("Hello world"));
        assertArrayEquals(new int[] {15043, 3186}, spm.encode("Hello world", false, true));
        Tokenizer llama3 = VocabFixtures.tokenizer("llama-bpe");
        assertEquals(128000, llama3.bosToken());
        assertArrayEquals(new int[] {128000, 9906, 1917}, llama3.encode("Hello world"));
        Tokenizer qwen = VocabFixtures.tokenizer("qwen2");
        int[] q = qwen.encode("Hello world");
        assertArrayEquals(qwen.encode("Hello world", false, false), q, "qwen2 adds no BOS");
        Tokenizer gpt2 = VocabFixtures.tokenizer("gpt-2");
        assertArrayEquals(gpt2.encode("Hello world", false, false), gpt2.encode("Hello world"), "gpt-2 adds no BOS");
    }

    @Test
    void specialTokensAreParsedOnlyWhenAsked() {
        Tokenizer llama3 = VocabFixtures.tokenizer("llama-bpe");
        int bot = 128000;
        int eot = 128009;
        assertEquals("<|eot_id|>", llama3.tokenText(eot));
        int[] parsed = llama3.encode("<|begin_of_text|>Hello world<|eot_id|>", false, true);
        assertArrayEquals(new int[] {bot, 9906, 1917, eot}, parsed);
        int[] literal = llama3.encode("<|begin_of_text|>Hello world<|eot_id|>", false, false);
        assertFalse(Arrays.stream(literal).anyMatch(id -> id == bot || id == eot), Arrays.toString(literal));
        assertEquals("Hello world", llama3.decode(parsed), "control tokens produce no text");
        assertEquals("<|begin_of_text|>Hello world<|eot_id|>", llama3.decode(literal));

        Tokenizer qwen = VocabFixtures.tokenizer("qwen2");
        int[] chat = qwen.encode("<|im_start|>user\nHi<|im_end|>", false, true);
        assertEquals("<|im_start|>", qwen.tokenText(chat[0]));
        assertEquals("<|im_end|>", qwen.tokenText(chat[chat.length - 1]));
        assertTrue(qwen.isEndOfGeneration(chat[chat.length - 1]));

        Tokenizer spm = VocabFixtures.tokenizer("llama-spm");
        // after a special token the text gets its own space prefix, as at the start
        assertArrayEquals(new int[] {1, 15043, 2, 15043}, spm.encode("<s>Hello</s>Hello", false, true));
    }

    @Test
    void longestSpecialTokenWins() {
        Tokenizer phi3 = VocabFixtures.tokenizer("phi-3");
        // phi-3's </s> is user-defined: matched even without parseSpecial, and (as llama.cpp does for
        // Phi-3) the whitespace after it is dropped
        int[] ids = phi3.encode("a</s>  b", false, false);
        int s = Arrays.stream(ids).boxed().toList().indexOf(2);
        assertTrue(s > 0, Arrays.toString(ids));
        assertArrayEquals(phi3.encode("b", false, false), Arrays.copyOfRange(ids, s + 1, ids.length));
    }

    @Test
    void endOfGeneration() {
        Tokenizer llama3 = VocabFixtures.tokenizer("llama-bpe");
        assertTrue(llama3.isEndOfGeneration(llama3.eosToken()));
        assertTrue(llama3.isEndOfGeneration(128009)); // <|eot_id|>
        assertFalse(llama3.isEndOfGeneration(128000));
        assertFalse(llama3.isEndOfGeneration(9906));
        Tokenizer spm = VocabFixtures.tokenizer("llama-spm");
        assertTrue(spm.isEndOfGeneration(2));
        assertFalse(spm.isEndOfGeneration(1));
    }

    @Test
    void encodingSpeed() {
        Tokenizer tok = VocabFixtures.tokenizer("llama-bpe");
        String corpus = String.join("\n", VocabFixtures.inputs("llama-bpe")).repeat(50);
        Tokenizer spm = VocabFixtures.tokenizer("llama-spm");
        for (int i = 0; i < 3; i++) {
            tok.encode(corpus, false, false);
            spm.encode(corpus, false, false);
        }
        long t0 = System.nanoTime();
        int n = tok.encode(corpus, false, false).length;
        long t1 = System.nanoTime();
        int m = spm.encode(corpus, false, false).length;
        long t2 = System.nanoTime();
        int bytes = corpus.getBytes(StandardCharsets.UTF_8).length;
        System.out.printf("encode %d bytes: llama-bpe %d tokens in %.1f ms, llama-spm %d tokens in %.1f ms%n",
                bytes, n, (t1 - t0) / 1e6, m, (t2 - t1) / 1e6);
        assertTrue(n > 0 && m > 0);
    }
}
