package io.jinfer.loader.tokenizer.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** SentencePiece's precompiled normalization map, in both of its matching modes. */
class PrecompiledCharsMapTest {
    private final PrecompiledCharsMap map = new PrecompiledCharsMap(
            CharsMapFixture.singleBytes(new char[] {'A', '\t', 'x'}, new String[] {"a", " ", "\u00E9\u00E9"}));

    @Test
    void replacesMappedCharactersAndKeepsTheRest() {
        assertEquals("a b\u00E9\u00E9y", map.normalizeLongestMatch("A\tbxy"));
        assertEquals("a b\u00E9\u00E9y", map.normalize("A\tbxy"));
        assertEquals("中a", map.normalize("中A"));
    }

    @Test
    void graphemeModeLooksUpEachCharacterOfALongCluster() {
        // x + three combining acute accents is one grapheme of 7 bytes: its characters map one by one
        assertEquals("\u00E9\u00E9\u0301\u0301\u0301", map.normalize("x\u0301\u0301\u0301"));
    }

    @Test
    void malformedBlobsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new PrecompiledCharsMap(new byte[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> new PrecompiledCharsMap(new byte[] {(byte) 0xFF, 0, 0, 0, 1}));
    }
}
