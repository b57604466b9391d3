package io.jinfer.loader.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import org.junit.jupiter.api.Test;

class SyntheticModelTest {

    private static String rejection(Architecture arch, int dim, int heads, int kvHeads, int ffn, int vocab,
            QuantFormat format) {
        return assertThrows(IllegalArgumentException.class, () -> new SyntheticModel(arch, dim, 2, heads, kvHeads,
                ffn, vocab, 128, 10000f, false, format, 1)).getMessage();
    }

    @Test
    void rejectsInconsistentShapesNamingTheField() {
        assertTrue(rejection(Architecture.LLAMA, 100, 3, 1, 64, 300, QuantFormat.F32).contains("heads 3"));
        assertTrue(rejection(Architecture.LLAMA, 96, 6, 4, 64, 300, QuantFormat.F32).contains("kvHeads 4"));
        assertTrue(rejection(Architecture.LLAMA, 96, 32, 4, 64, 300, QuantFormat.F32).contains("even"));
        assertTrue(rejection(Architecture.LLAMA, 96, 6, 2, 64, 100, QuantFormat.F32).contains("vocab 100"));
        assertTrue(rejection(Architecture.LLAMA, 96, 6, 2, 80, 300, QuantFormat.Q4_0).contains("ffn (80)"));
        assertTrue(rejection(Architecture.LLAMA, 96, 6, 2, 64, 300, QuantFormat.Q4_K).contains("Q4_K"));
        assertTrue(rejection(Architecture.LLAMA, 0, 6, 2, 64, 300, QuantFormat.F32).contains("dim must be positive"));
    }

    @Test
    void withersChangeOneField() {
        SyntheticModel t = SyntheticModel.tiny();
        assertEquals(QuantFormat.Q4_1, t.withWeightFormat(QuantFormat.Q4_1).weightFormat());
        assertEquals(t.withSeed(9).dim(), t.dim());
        assertEquals(9, t.withSeed(9).seed());
        assertEquals(Architecture.QWEN3, t.withArchitecture(Architecture.QWEN3).architecture());
        assertEquals(!t.tiedEmbeddings(), t.withTiedEmbeddings(!t.tiedEmbeddings()).tiedEmbeddings());
        assertEquals(Architecture.QWEN2, Architecture.fromGgufName("qwen2"));
        assertThrows(IllegalArgumentException.class, () -> Architecture.fromGgufName("gpt2"));
    }
}
