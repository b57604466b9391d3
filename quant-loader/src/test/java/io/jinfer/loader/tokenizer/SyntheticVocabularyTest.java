package io.jinfer.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.Tokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Behaviour on tiny in-memory vocabularies (runs without ../shared), and malformed metadata. */
class SyntheticVocabularyTest {

    @Test
    void spmMergesHighestScoreFirst() {
        Tokenizer t = Tokenizers.fromGguf(MetadataBuilder.tinySpm().build());
        // "▁ab": ab (-0.5) beats ▁a (-1), then ▁+ab forms ▁ab
        assertArrayEquals(new int[] {8}, t.encode("ab", false, false));
        // "▁aa": only ▁a can merge
        assertArrayEquals(new int[] {6, 4}, t.encode("aa", false, false));
    }

    @Test
    void spmAddsBosByDefaultAndUnknownForMissingCharacters() {
        Tokenizer t = Tokenizers.fromGguf(MetadataBuilder.tinySpm().build());
        assertEquals(1, t.bosToken());
        assertEquals(2, t.eosToken());
        // no byte tokens in this vocabulary, so each byte of 'é' (2 bytes) becomes <unk>
        assertArrayEquals(new int[] {1, 6, 0, 0}, t.encode("aé"));
        assertArrayEquals(new int[] {}, t.encode("", false, false));
        assertArrayEquals(new int[] {1}, t.encode("", true, false));
        // an unpaired surrogate has no UTF-8 form: it is tokenized as U+FFFD (three bytes, three <unk>)
        assertArrayEquals(new int[] {6, 0, 0, 0}, t.encode("a\uD800", false, false));
    }

    @Test
    void spmSpecialTokensAndSpacePrefix() {
        Tokenizer t = Tokenizers.fromGguf(MetadataBuilder.tinySpm().build());
        // control token parsed only when asked; text after it gets a fresh space prefix
        assertArrayEquals(new int[] {8, 9, 8}, t.encode("ab<ctl>ab", false, true));
        // user-defined tokens are matched even without parseSpecial
        assertArrayEquals(new int[] {8, 10, 8}, t.encode("ab<usr>ab", false, false));
        int[] plain = t.encode("ab<ctl>", false, false);
        assertFalse(java.util.Arrays.stream(plain).anyMatch(id -> id == 9), "control text must not be parsed");
    }

    @Test
    void spmAddSpacePrefixCanBeTurnedOff() {
        Tokenizer t = Tokenizers.fromGguf(MetadataBuilder.tinySpm()
                .bool("tokenizer.ggml.add_space_prefix", false).build());
        assertArrayEquals(new int[] {7}, t.encode("ab", false, false));
        assertEquals("ab", t.decode(new int[] {7}));
    }

    @Test
    void spmDecodeDropsControlTextAndFirstSpace() {
        Tokenizer t = Tokenizers.fromGguf(MetadataBuilder.tinySpm().build());
        assertEquals("ab ab", t.decode(new int[] {1, 8, 8, 2}));
        assertEquals("", t.decode(new int[] {1, 2}));
        assertArrayEquals(" ab".getBytes(java.nio.charset.StandardCharsets.UTF_8), t.tokenBytes(8));
        assertArrayEquals(new byte[0], t.tokenBytes(9));
        assertEquals("<usr>", t.decode(new int[] {10}));
        assertTrue(t.isEndOfGeneration(2));
        assertFalse(t.isEndOfGeneration(8));
        assertThrows(IllegalArgumentException.class, () -> t.tokenBytes(11));
    }

    @Test
    void bpeMergesByRank() {
        Tokenizer t = Tokenizers.fromGguf(MetadataBuilder.tinyBpe().build());
        assertArrayEquals(new int[] {8}, t.encode("hello", false, false));
        // " hello" is one GPT-2 pre-token "Ġhello": Ġh merges last (rank 4) but "he" (rank 1) wins first
        assertArrayEquals(new int[] {4, 8}, t.encode(" hello", false, false));
        assertArrayEquals(new int[] {8, 4, 8}, t.encode("hello hello", false, false));
        assertEquals("hello hello", t.decode(t.encode("hello hello", false, false)));
        // BPE without add_bos_token metadata adds no BOS
        assertArrayEquals(new int[] {8}, t.encode("hello"));
    }

    @Test
    void bpeBosFromMetadata() {
        Tokenizer t = Tokenizers.fromGguf(MetadataBuilder.tinyBpe().bool("tokenizer.ggml.add_bos_token", true).build());
        assertArrayEquals(new int[] {10, 8}, t.encode("hello"));
        assertArrayEquals(new int[] {10, 10, 8}, t.encode("<|endoftext|>hello"));
        assertTrue(t.isEndOfGeneration(10));
    }

    @Test
    void missingTokensIsReported() {
        var e = assertThrows(ModelFormatException.class,
                () -> Tokenizers.fromGguf(MetadataBuilder.tinySpm().remove("tokenizer.ggml.tokens").build()));
        assertEquals("tokenizer.ggml.tokens", e.field());
    }

    @Test
    void missingModelIsReported() {
        var e = assertThrows(ModelFormatException.class,
                () -> Tokenizers.fromGguf(MetadataBuilder.tinySpm().remove("tokenizer.ggml.model").build()));
        assertEquals("tokenizer.ggml.model", e.field());
    }

    @Test
    void scoresOfWrongLengthAreReported() {
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(
                MetadataBuilder.tinySpm().floats("tokenizer.ggml.scores", 0, 0, 0).build()));
        assertEquals("tokenizer.ggml.scores", e.field());
        assertTrue(e.getMessage().contains("3"), e.getMessage());
    }

    @Test
    void spmWithoutScoresIsReported() {
        var e = assertThrows(ModelFormatException.class,
                () -> Tokenizers.fromGguf(MetadataBuilder.tinySpm().remove("tokenizer.ggml.scores").build()));
        assertEquals("tokenizer.ggml.scores", e.field());
    }

    @Test
    void tokenTypesOfWrongLengthOrValueAreReported() {
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(
                MetadataBuilder.tinySpm().ints("tokenizer.ggml.token_type", 1, 1).build()));
        assertEquals("tokenizer.ggml.token_type", e.field());
        var e2 = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(
                MetadataBuilder.tinySpm().ints("tokenizer.ggml.token_type", 2, 3, 3, 1, 1, 1, 1, 1, 1, 9, 4).build()));
        assertEquals("tokenizer.ggml.token_type", e2.field());
    }

    @Test
    void specialIdOutOfRangeIsReported() {
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(
                MetadataBuilder.tinySpm().u32("tokenizer.ggml.eos_token_id", 11).build()));
        assertEquals("tokenizer.ggml.eos_token_id", e.field());
        assertTrue(e.getMessage().contains("11"), e.getMessage());
    }

    @Test
    void allOnesIdMeansNoToken() {
        // converters write 0xFFFFFFFF for "none" (stories260K's padding id)
        Tokenizer t = Tokenizers.fromGguf(MetadataBuilder.tinySpm().u32("tokenizer.ggml.padding_token_id", 0xFFFFFFFFL)
                .u32("tokenizer.ggml.eos_token_id", 0xFFFFFFFFL).build());
        assertEquals(-1, t.eosToken());
    }

    @Test
    void addBosWithoutBosIsReported() {
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(MetadataBuilder.tinySpm()
                .u32("tokenizer.ggml.bos_token_id", 0xFFFFFFFFL).bool("tokenizer.ggml.add_bos_token", true).build()));
        assertEquals("tokenizer.ggml.add_bos_token", e.field());
    }

    @Test
    void unknownModelAndPreAreNamed() {
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(
                MetadataBuilder.tinySpm().string("tokenizer.ggml.model", "rwkv").build()));
        assertEquals("tokenizer.ggml.model", e.field());
        assertTrue(e.getMessage().contains("'rwkv'"), e.getMessage());
        var e2 = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(
                MetadataBuilder.tinyBpe().string("tokenizer.ggml.pre", "no-such-pre").build()));
        assertEquals("tokenizer.ggml.pre", e2.field());
        assertTrue(e2.getMessage().contains("'no-such-pre'"), e2.getMessage());
    }

    @Test
    void bpeWithoutMergesIsReported() {
        var e = assertThrows(ModelFormatException.class,
                () -> Tokenizers.fromGguf(MetadataBuilder.tinyBpe().remove("tokenizer.ggml.merges").build()));
        assertEquals("tokenizer.ggml.merges", e.field());
    }

    @Test
    void duplicateTokenTextIsReported() {
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(MetadataBuilder.tinySpm()
                .strings("tokenizer.ggml.tokens", List.of("<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a", "ab",
                        "\u2581ab", "a", "<usr>")).build()));
        assertEquals("tokenizer.ggml.tokens", e.field());
    }

    @Test
    void byteTokenWithBadTextIsReported() {
        var e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromGguf(MetadataBuilder.tinySpm()
                .ints("tokenizer.ggml.token_type", 2, 3, 3, 1, 1, 6, 1, 1, 1, 3, 4).build()));
        assertEquals("tokenizer.ggml.token_type", e.field());
    }

    @Test
    void everyKnownPreTokenizerCompiles() {
        for (String name : PreTokenizers.names()) {
            PreTokenizers.Spec spec = PreTokenizers.forName(name);
            // run every stage over a mixed sample to catch bad regexes
            int[] cps = "Hello, y'all! 123 4567 — \u4f60\u597d \uD83D\uDE00\n\t x".codePoints().toArray();
            IntList spans = new IntList(1);
            spans.add(cps.length);
            for (SplitStep step : spec.steps()) {
                spans = step.split(cps, spans);
            }
            int total = 0;
            for (int i = 0; i < spans.size(); i++) {
                assertTrue(spans.get(i) > 0, name);
                total += spans.get(i);
            }
            assertEquals(cps.length, total, name + " spans must cover the input");
        }
    }
}
