package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.ContextOverflowException;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.TokenListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Session#embed}: the mean-pooled final hidden state, as the server's /v1/embeddings returns it. */
class EmbeddingTest {
    private static Runtime runtime;
    private static Model model;

    @BeforeAll
    static void load() {
        runtime = Runtime.builder().threads(2).nativeKernels(false).build();
        model = runtime.loadModel(TestModels.small(QuantFormat.Q8_0));
    }

    @AfterAll
    static void close() {
        model.close();
        runtime.close();
    }

    @Test
    void poolsOneVectorOfTheModelWidthThatDependsOnTheText() {
        try (Session s = model.newSession()) {
            int[] a = model.tokenizer().encode("Once upon a time");
            int[] b = model.tokenizer().encode("The cat sat");
            float[] ea = s.embed(a);
            assertEquals(64, ea.length);
            assertArrayEquals(ea, s.embed(a), "the same text embeds the same way twice");
            float[] eb = s.embed(b);
            double diff = 0;
            for (int i = 0; i < ea.length; i++) {
                diff += Math.abs(ea[i] - eb[i]);
            }
            assertTrue(diff > 1e-3, "different texts give different vectors");
        }
    }

    @Test
    void batchedAndTokenByTokenPoolingAgree() {
        int[] t = model.tokenizer().encode("Once upon a time there was a little dog");
        try (Session big = model.newSession(SessionOptions.defaults().withBatchSize(4));
                Session one = model.newSession(SessionOptions.defaults().withBatchSize(1))) {
            assertArrayEquals(big.embed(t), one.embed(t), 1e-4f);
        }
    }

    @Test
    void leavesTheSessionEmptyAndChecksTheContext() {
        try (Session s = model.newSession(SessionOptions.defaults().withContextLength(8))) {
            s.embed(model.tokenizer().encode("Once upon"));
            assertEquals(0, s.position());
            var fresh = model.newSession(SessionOptions.defaults().withContextLength(8));
            GenerationRequest r = GenerationRequest.builder("Once").maxTokens(3).stopAtEndOfGeneration(false).build();
            assertArrayEquals(fresh.generate(r, TokenListener.NONE).tokens(), s.generate(r, TokenListener.NONE).tokens(),
                    "generation after an embedding is that of a fresh session");
            fresh.close();
            assertThrows(ContextOverflowException.class, () -> s.embed(new int[9]));
            assertThrows(IllegalArgumentException.class, () -> s.embed(new int[0]));
        }
    }
}
