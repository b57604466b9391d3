package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    @Test
    void withoutStopStringsEverythingFlowsThrough() {
        StopStringMatcher m = new StopStringMatcher(List.of());
        assertEquals("Hello", m.accept("Hello"));
        assertEquals(" world", m.accept(" world"));
        assertFalse(m.stopped());
        assertEquals("Hello world", m.finalText());
    }

    @Test
    void aPossibleStartOfAStopStringIsHeldBack() {
        StopStringMatcher m = new StopStringMatcher(List.of("END"));
        assertEquals("abc ", m.accept("abc E"));
        assertEquals("", m.accept("N"));
        assertEquals("", m.accept("D and more"));
        assertTrue(m.stopped());
        assertEquals("abc ", m.finalText());
        assertEquals("", m.flush());
    }

    @Test
    void heldTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        StopStringMatcher m = new StopStringMatcher(List.of("END"));
        assertEquals("x", m.accept("xE"));
        assertEquals("EX", m.accept("X"));
        assertEquals("", m.accept("EN"));
        assertEquals("EN", m.flush());
        assertFalse(m.stopped());
        assertEquals("xEXEN", m.finalText());
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        StopStringMatcher m = new StopStringMatcher(List.of("bb", "a b"));
        assertEquals("x", m.accept("xa bb"));
        assertEquals("x", m.finalText());
    }

    @Test
    void aStopSpanningManyPiecesIsFound() {
        StopStringMatcher m = new StopStringMatcher(List.of("\n\nUser:"));
        StringBuilder shown = new StringBuilder();
        for (String piece : List.of("Hi", "\n", "\n", "Us", "er", ":", " more")) {
            shown.append(m.accept(piece));
        }
        assertEquals("Hi", shown.toString());
        assertTrue(m.stopped());
    }
}
