package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextSplitterTest {
    private static final String M = "__sep__";

    @Test
    void splitsExactlyOnNewlineMarkerNewline() {
        assertEquals(List.of("a", "b"), TextSplitter.split("a\n__sep__\nb", M));
    }

    @Test
    void trailingSeparatorGivesNoEmptyCase() {
        assertEquals(List.of("a", "b"), TextSplitter.split("a\n__sep__\nb\n__sep__\n", M));
    }

    @Test
    void emptyPieceBetweenSeparatorsIsACase() {
        // "a", then "" between two separators, then " ".
        assertEquals(List.of("a", "", " "), TextSplitter.split("a\n__sep__\n\n__sep__\n \n__sep__\n", M));
    }

    @Test
    void newlinesInsideCasesAreKept() {
        assertEquals(List.of("\n", "\n\n", "x\ny"),
                TextSplitter.split("\n\n__sep__\n\n\n\n__sep__\nx\ny\n__sep__\n", M));
    }

    @Test
    void markerWithoutItsNewlinesDoesNotSplit() {
        assertEquals(List.of("a__sep__b", "c __sep__"), TextSplitter.split("a__sep__b\n__sep__\nc __sep__", M));
        assertEquals(List.of("x\n__sep__ \ny"), TextSplitter.split("x\n__sep__ \ny", M));
    }

    @Test
    void noSeparatorIsOneCaseAndEmptyTextNone() {
        assertEquals(List.of("just text\n"), TextSplitter.split("just text\n", M));
        assertEquals(List.of(), TextSplitter.split("", M));
    }

    @Test
    void separatorAtTheStartNeedsALeadingNewline() {
        // The file starts with an empty case only when it starts with "\n" + marker + "\n".
        assertEquals(List.of("", "a"), TextSplitter.split("\n__sep__\na\n__sep__\n", M));
    }
}
