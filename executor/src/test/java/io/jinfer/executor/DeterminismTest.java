package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.Session;
import io.jinfer.loader.synth.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The same tokens give bit-identical logits every time, whatever ran before. */
class DeterminismTest {
    private static final int[] TOKENS = {1, 40, 300, 77, 5, 260, 511, 3, 90, 14, 15, 16, 17, 18, 19, 20};

    @ParameterizedTest
    @EnumSource(value = QuantFormat.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void repeatedEvaluationIsBitIdentical(QuantFormat format) {
        var file = TestModels.write(TestModels.small(Architecture.LLAMA, format));
        float[][] first;
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(file);
                Session s = m.newSession()) {
            first = s.evaluate(TOKENS);
            s.reset();
            float[][] again = s.evaluate(TOKENS);
            for (int i = 0; i < TOKENS.length; i++) {
                assertArrayEquals(first[i], again[i], "same session, position " + i);
            }
        }
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(file);
                Session s = m.newSession()) {
            s.evaluate(new int[] {5, 6, 7});
            s.reset();
            float[][] other = s.evaluate(TOKENS);
            for (int i = 0; i < TOKENS.length; i++) {
                assertArrayEquals(first[i], other[i], "new runtime, position " + i);
            }
        }
    }

    @Test
    void threadCountDoesNotChangeDecodeLogits() {
        var file = TestModels.write(TestModels.small(Architecture.LLAMA, QuantFormat.Q4_0));
        float[][] one;
        float[][] two;
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(file);
                Session s = m.newSession()) {
            one = s.evaluate(TOKENS);
        }
        try (Runtime rt = Runtime.builder().threads(2).build(); Model m = rt.loadModel(file);
                Session s = m.newSession()) {
            two = s.evaluate(TOKENS);
        }
        for (int i = 0; i < TOKENS.length; i++) {
            assertArrayEquals(one[i], two[i], "position " + i);
        }
    }
}
