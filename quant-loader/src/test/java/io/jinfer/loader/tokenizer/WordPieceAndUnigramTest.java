package io.jinfer.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.Tokenizer;
import io.jinfer.loader.tokenizer.text.CharsMapFixture;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GGUF's {@code bert} (WordPiece) and {@code t5} (unigram) tokenizers on tiny in-memory vocabularies. */
class WordPieceAndUnigramTest {

    /** Ids: 0 [PAD], 1 [UNK], 2 [CLS], 3 [SEP], 4 ▁hello, 5 ▁world, 6 ▁un, 7 aff, 8 able, 9 ▁,, 10 ▁!, 11 ▁cafe, 12 s, 13 ▁的. */
    private static MetadataBuilder bert() {
        return new MetadataBuilder()
                .string("tokenizer.ggml.model", "bert")
                .strings("tokenizer.ggml.tokens", List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "\u2581hello",
                        "\u2581world", "\u2581un", "aff", "able", "\u2581,", "\u2581!", "\u2581cafe", "s", "\u2581的"))
                .ints("tokenizer.ggml.token_type", 3, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
                .u32("tokenizer.ggml.bos_token_id", 2)
                .u32("tokenizer.ggml.seperator_token_id", 3)
                .u32("tokenizer.ggml.unknown_token_id", 1)
                .u32("tokenizer.ggml.padding_token_id", 0);
    }

    @Test
    void wordPieceSplitsLikeBert() {
        Tokenizer t = Tokenizers.fromGguf(bert().build());
        // lowercased, accents and tab handled, punctuation alone, [CLS] ... [SEP] around
        int[] ids = t.encode("Hello, UNAFFABLE\tworld!");
        assertArrayEquals(new int[] {2, 4, 9, 6, 7, 8, 5, 10, 3}, ids);
        assertArrayEquals(new int[] {4, 9, 6, 7, 8, 5, 10}, t.encode("Hello, UNAFFABLE\tworld!", false, false));
        // é loses its accent; a CJK ideograph is a word of its own
        assertArrayEquals(new int[] {11, 12, 13}, t.encode("Cafés的", false, false));
        // a word that cannot be covered is one [UNK]
        assertArrayEquals(new int[] {1, 5}, t.encode("unaffablex world", false, false));
        // the word-start spaces before punctuation are cleaned up, as llama.cpp does for BERT
        assertEquals("hello, unaffable world!", t.decode(ids));
        // a lone apostrophe closes up on both sides; " 't" keeps its space, as in llama.cpp
        assertEquals("it's a'b, we're ok, don 't.", WpmTokenizer.cleanUpSpaces("it 's a ' b , we 're ok , don 't ."));
        assertEquals(2, t.bosToken());
    }

    @Test
    void wordPieceWithoutSeparatorIsReportedWhenOneIsAdded() {
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(bert()
                .u32("tokenizer.ggml.seperator_token_id", 0xFFFFFFFFL).build()));
        assertEquals("tokenizer.ggml.add_sep_token", e.field());
        Tokenizer noSep = Tokenizers.fromGguf(bert().bool("tokenizer.ggml.add_sep_token", false).build());
        assertArrayEquals(new int[] {2, 4}, noSep.encode("hello"));
    }

    /** Ids: 0 &lt;pad&gt;, 1 &lt;/s&gt;, 2 &lt;unk&gt;, 3 ▁, 4 a, 5 b, 6 ab, 7 ▁a, 8 &lt;extra&gt;, 9 c. */
    private static MetadataBuilder t5() {
        return new MetadataBuilder()
                .string("tokenizer.ggml.model", "t5")
                .strings("tokenizer.ggml.tokens", List.of("<pad>", "</s>", "<unk>", "\u2581", "a", "b", "ab",
                        "\u2581a", "<extra>", "c"))
                .floats("tokenizer.ggml.scores", 0, 0, 0, -2, -3, -3, -2, -2.5f, 0, -3)
                .ints("tokenizer.ggml.token_type", 3, 3, 2, 1, 1, 1, 1, 1, 4, 1)
                .bool("tokenizer.ggml.add_space_prefix", true)
                .bool("tokenizer.ggml.remove_extra_whitespaces", true);
    }

    @Test
    void unigramFindsTheBestScoringPieces() {
        Tokenizer t = Tokenizers.fromGguf(t5().build());
        // ▁ab: ▁ + ab = -4 beats ▁a + b = -5.5; T5 adds </s> and no BOS
        assertArrayEquals(new int[] {3, 6, 1}, t.encode("ab"));
        assertEquals(-1, t.bosToken());
        assertEquals(1, t.eosToken());
        // extra spaces collapse, ends are trimmed
        assertArrayEquals(new int[] {3, 6, 3, 6}, t.encode("  ab   ab ", false, false));
        // unknown characters: one <unk> for the run
        assertArrayEquals(new int[] {3, 2}, t.encode("xy", false, false));
        // a user-defined piece stays whole
        assertArrayEquals(new int[] {7, 8, 3, 5}, t.encode("a<extra>b", false, false));
        assertEquals("ab ab", t.decode(t.encode("ab ab")));
    }

    @Test
    void unigramKeepsSpacesWhenNotCollapsing() {
        Tokenizer t = Tokenizers.fromGguf(t5().bool("tokenizer.ggml.remove_extra_whitespaces", false).build());
        assertArrayEquals(new int[] {7, 3, 3, 5}, t.encode("a  b", false, false));
    }

    @Test
    void unigramAppliesThePrecompiledMap() {
        // 'A' → "a", 'B' → "b", and a tab → a space
        byte[] map = CharsMapFixture.singleBytes(new char[] {'A', 'B', '\t'}, new String[] {"a", "b", " "});
        long[] asInts = new long[map.length];
        for (int i = 0; i < map.length; i++) {
            asInts[i] = map[i];
        }
        Tokenizer t = Tokenizers.fromGguf(t5().ints("tokenizer.ggml.precompiled_charsmap", asInts).build());
        assertArrayEquals(new int[] {3, 6, 3, 6}, t.encode("AB\tab", false, false));
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(
                t5().ints("tokenizer.ggml.precompiled_charsmap", 255, 255, 0, 0, 1).build()));
        assertEquals("tokenizer.ggml.precompiled_charsmap", e.field());
    }

    /** Ids: 0 &lt;pad&gt;, 1 &lt;bos&gt;, 2 &lt;eos&gt;, 3 ▁, 4 h, 5 i, 6 hi, 7 ▁hi, 8 \n, 9 \n\n, 10-13 the bytes of 🦙. */
    private static MetadataBuilder gemma4() {
        return new MetadataBuilder()
                .string("tokenizer.ggml.model", "gemma4")
                .strings("tokenizer.ggml.tokens", List.of("<pad>", "<bos>", "<eos>", "\u2581", "h", "i", "hi",
                        "\u2581hi", "\n", "\n\n", "<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"))
                .ints("tokenizer.ggml.token_type", 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 6, 6, 6, 6)
                .strings("tokenizer.ggml.merges", List.of("h i", "\u2581 hi"))
                .u32("tokenizer.ggml.bos_token_id", 1)
                .u32("tokenizer.ggml.eos_token_id", 2)
                .bool("tokenizer.ggml.add_bos_token", false);
    }

    @Test
    void sentencePieceStyleBpeOverRawText() {
        Tokenizer t = Tokenizers.fromGguf(gemma4().build());
        // spaces are ▁, newline runs are whole tokens, unknown characters are spelled as bytes;
        // BOS is added even though the metadata says not to, as llama.cpp does for Gemma 4
        int[] ids = t.encode("hi hi\n\nhi🦙");
        assertArrayEquals(new int[] {1, 6, 7, 9, 6, 10, 11, 12, 13}, ids);
        assertEquals("hi hi\n\nhi🦙", t.decode(ids));
        Tokenizer.StreamDecoder sd = t.newStreamDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(sd.accept(id));
        }
        assertEquals("hi hi\n\nhi🦙", sb.append(sd.flush()).toString());
    }

    @Test
    void whitespaceModelDropsWhitespace() {
        Tokenizer t = Tokenizers.fromGguf(new MetadataBuilder()
                .string("tokenizer.ggml.model", "whitespace")
                .strings("tokenizer.ggml.tokens", List.of("a", "b", "ab", "c", "<s>"))
                .strings("tokenizer.ggml.merges", List.of("a b"))
                .u32("tokenizer.ggml.bos_token_id", 4)
                .u32("tokenizer.ggml.eos_token_id", 4).build());
        assertArrayEquals(new int[] {2, 3, 2}, t.encode("ab  c\u3000ab", false, false));
    }

    @Test
    void preTokenizersWithCustomCodeAreNamed() {
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(MetadataBuilder.tinyBpe()
                .string("tokenizer.ggml.pre", "kimi-k2").build()));
        assertEquals("tokenizer.ggml.pre", e.field());
        assertTrue(e.getMessage().contains("'kimi-k2'") && e.getMessage().contains("hand-written"), e.getMessage());
    }

    @Test
    void otherModelsLlamaCppKnowsAreNamed() {
        for (String model : List.of("rwkv", "plamo2", "hybriddna", "no_vocab")) {
            var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(
                    MetadataBuilder.tinySpm().string("tokenizer.ggml.model", model).build()));
            assertTrue(e.getMessage().contains("'" + model + "'") && e.getMessage().contains("supported"),
                    e.getMessage());
        }
    }
}
