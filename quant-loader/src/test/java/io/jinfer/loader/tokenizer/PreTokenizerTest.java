package io.jinfer.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-written splitters against the regexes they stand for, and the regex stages themselves. */
class PreTokenizerTest {
    private static final List<String> SAMPLES = List.of("", " ", "   ", "\t\n", "Hello world", "  Hello  world  ",
            "I'm he's they'LL WE'RE it's 'S", "1234567 89", "\u4f60\u597d\u4e16\u754c 3\u00bd",
            "\u00e9t\u00e9 na\u00efve \u0301x", " \n\n \t\t x\r\ny", "!!! ??? ...a", "x\u00a0\u2003y \u3000z",
            "\uD83D\uDE80 (normal) \uD83D\uDE36\u200D\uD83C\uDF2B\uFE0F", "w048 7tuijk dsdfhu",
            "\u043d\u0435\u0449\u043e \u043d\u0430 \u0411\u044a\u043b\u0433\u0430\u0440\u0441\u043a\u0438");

    private static List<String> pieces(SplitStep step, String text) {
        int[] cps = text.codePoints().toArray();
        IntList spans = new IntList(1);
        if (cps.length > 0) {
            spans.add(cps.length);
        }
        spans = step.split(cps, spans);
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < spans.size(); i++) {
            out.add(new String(cps, start, spans.get(i)));
            start += spans.get(i);
        }
        return out;
    }

    private static List<String> allSamples() {
        List<String> all = new ArrayList<>(SAMPLES);
        try {
            all.addAll(VocabFixtures.inputs("llama-bpe"));
        } catch (org.opentest4j.TestAbortedException e) {
            // ../shared absent: the built-in samples still run
        }
        return all;
    }

    @Test
    void gpt2SplitterAgreesWithItsRegex() {
        RegexSplitter regex = new RegexSplitter(
                "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
        for (String s : allSamples()) {
            assertEquals(pieces(regex, s), pieces(Gpt2Splitter.INSTANCE, s), s);
        }
    }

    @Test
    void llama3SplitterAgreesWithItsRegex() {
        RegexSplitter regex = new RegexSplitter("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
                + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
        for (String s : allSamples()) {
            assertEquals(pieces(regex, s), pieces(Llama3Splitter.INSTANCE, s), s);
        }
    }

    @Test
    void knownSplits() {
        assertEquals(List.of("Hello", ",", " y", "'", "all", "!", " 123", " 4567"),
                pieces(Gpt2Splitter.INSTANCE, "Hello, y'all! 123 4567"));
        assertEquals(List.of("Hello", ",", " y", "'all", "!", " ", "123", " ", "456", "7"),
                pieces(Llama3Splitter.INSTANCE, "Hello, y'all! 123 4567"));
        assertEquals(List.of(" ", " Hello", "\n\n", "  ", " x"), pieces(Llama3Splitter.INSTANCE, "  Hello\n\n   x"));
        RegexSplitter qwen = (RegexSplitter) PreTokenizers.forName("qwen2").steps().get(0);
        assertEquals(List.of("a", "1", "2", "3", " b"), pieces(qwen, "a123 b"));
        // non-ASCII letters and whitespace are classified through the collapsed text
        assertEquals(List.of("\u00e9t\u00e9", "\u00a0x", "\u00a0\u00a0", "\u00a0y"),
                pieces(qwen, "\u00e9t\u00e9\u00a0x\u00a0\u00a0\u00a0y"));
    }

    @Test
    void collapsedRegexRewritesCategories() {
        assertEquals("[\uE0D2A-Za-z]+", RegexSplitter.collapseRegex("\\p{L}+"));
        assertEquals("[^\\s\uE0D2A-Za-z\uE0D10-9]", RegexSplitter.collapseRegex("[^\\s\\p{L}\\p{N}]"));
    }
}
