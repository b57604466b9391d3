package io.jinfer.loader.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticVocabularyTest {

    @Test
    void hasSpecialsThenByteTokensThenScoredPieces() {
        SyntheticVocabulary v = SyntheticVocabulary.build(1000);
        assertEquals(1000, v.size());
        assertEquals("<unk>", v.tokens().get(SyntheticVocabulary.UNK_ID));
        assertEquals("<s>", v.tokens().get(SyntheticVocabulary.BOS_ID));
        assertEquals("</s>", v.tokens().get(SyntheticVocabulary.EOS_ID));
        assertEquals(SyntheticVocabulary.TYPE_UNKNOWN, v.types()[0]);
        assertEquals(SyntheticVocabulary.TYPE_CONTROL, v.types()[1]);
        assertEquals("<0x00>", v.tokens().get(3));
        assertEquals("<0x0A>", v.tokens().get(3 + 10));
        assertEquals("<0xFF>", v.tokens().get(258));
        for (int i = 3; i < 259; i++) {
            assertEquals(SyntheticVocabulary.TYPE_BYTE, v.types()[i]);
            assertEquals(0f, v.scores()[i]);
        }
        assertEquals(SyntheticVocabulary.SPACE, v.tokens().get(259), "the word boundary is the first piece");
        for (int i = 259; i < v.size(); i++) {
            assertEquals(SyntheticVocabulary.TYPE_NORMAL, v.types()[i]);
            assertEquals(259 - i, v.scores()[i], "pieces score in merge order");
        }
    }

    @Test
    void everyPieceIsUniqueEvenAtLlama3Size() {
        SyntheticVocabulary v = SyntheticVocabulary.build(128256);
        assertEquals(128256, v.size());
        assertEquals(v.size(), new HashSet<>(v.tokens()).size());
    }

    @Test
    void wholeWordsAreReachableByMergingOneCharacterAtATime() {
        SyntheticVocabulary v = SyntheticVocabulary.build(4000);
        Set<String> pieces = new HashSet<>(v.tokens());
        String the = SyntheticVocabulary.SPACE + "the";
        String happy = SyntheticVocabulary.SPACE + "happy";
        for (String word : List.of(the, happy)) {
            assertTrue(pieces.contains(word), word);
            for (int k = 1; k < word.length(); k++) {
                assertTrue(pieces.contains(word.substring(0, k)), "prefix " + word.substring(0, k));
                assertTrue(pieces.contains(word.substring(k, k + 1)), "character " + word.charAt(k));
            }
        }
    }

    @Test
    void aSmallerVocabularyIsAPrefixOfALargerOne() {
        SyntheticVocabulary small = SyntheticVocabulary.build(400);
        SyntheticVocabulary large = SyntheticVocabulary.build(3000);
        assertEquals(small.tokens(), large.tokens().subList(0, 400));
        assertEquals(SyntheticVocabulary.MIN_SIZE, SyntheticVocabulary.build(SyntheticVocabulary.MIN_SIZE).size());
        assertThrows(IllegalArgumentException.class, () -> SyntheticVocabulary.build(258));
    }
}
