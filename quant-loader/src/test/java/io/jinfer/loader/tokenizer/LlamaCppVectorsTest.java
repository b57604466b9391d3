package io.jinfer.loader.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * llama.cpp's own tokenizer test vectors: every case of each vocabulary must give exactly the ids
 * llama.cpp gives. As in llama.cpp's test-tokenizer-0, cases are encoded without BOS/EOS and without
 * parsing special tokens.
 */
class LlamaCppVectorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "llama-bpe", "qwen2", "gpt-2", "phi-3"})
    void matchesLlamaCppExactly(String name) {
        Tokenizer tok = VocabFixtures.tokenizer(name);
        List<String> inputs = VocabFixtures.inputs(name);
        List<int[]> expected = VocabFixtures.outputs(name);
        assertEquals(expected.size(), inputs.size(), name + ": .inp cases vs .out lines");
        assertTrue(inputs.size() >= 40, name + ": too few cases read: " + inputs.size());

        List<String> failures = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            int[] got = tok.encode(inputs.get(i), false, false);
            if (!Arrays.equals(expected.get(i), got)) {
                failures.add("case " + i + " " + quote(inputs.get(i)) + "\n  expected " + Arrays.toString(expected.get(i))
                        + "\n  got      " + Arrays.toString(got));
            }
        }
        int passed = inputs.size() - failures.size();
        System.out.printf("tokenizer vectors %-10s %d/%d cases pass%n", name, passed, inputs.size());
        assertTrue(failures.isEmpty(), name + ": " + failures.size() + " cases differ:\n"
                + String.join("\n", failures.subList(0, Math.min(8, failures.size()))));
    }

    private static String quote(String s) {
        String t = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        return "'" + t.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }
}
