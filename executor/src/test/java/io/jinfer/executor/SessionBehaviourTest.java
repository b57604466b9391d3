package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.BudgetExceededException;
import io.jinfer.api.ContextOverflowException;
import io.jinfer.api.FinishReason;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.TokenListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The public API's contract on a model the test generates itself. */
class SessionBehaviourTest {
    private static Runtime runtime;
    private static Model model;

    @BeforeAll
    static void load() {
        // prefill and token-by-token decoding must agree exactly: Java kernels (native kernels off)
        runtime = Runtime.builder().threads(2).nativeKernels(false).build();
        model = runtime.loadModel(TestModels.small(QuantFormat.Q8_0));
    }

    @AfterAll
    static void close() {
        model.close();
        runtime.close();
    }

    private static GenerationRequest greedy(String prompt, int n) {
        return GenerationRequest.builder(prompt).maxTokens(n).stopAtEndOfGeneration(false).build();
    }

    @Test
    void streamedTextIsTheResultText() {
        try (Session s = model.newSession()) {
            StringBuilder streamed = new StringBuilder();
            List<Integer> ids = new ArrayList<>();
            GenerationResult r = s.generate(greedy("Once upon a time", 24), (id, text) -> {
                ids.add(id);
                streamed.append(text);
                return true;
            });
            assertEquals(24, r.generatedTokens());
            assertEquals(FinishReason.MAX_TOKENS, r.finishReason());
            assertEquals(r.text(), streamed.toString());
            assertArrayEquals(r.tokens(), ids.stream().mapToInt(Integer::intValue).toArray());
            var decoder = model.tokenizer().newStreamDecoder();
            StringBuilder again = new StringBuilder();
            for (int t : r.tokens()) {
                again.append(decoder.accept(t));
            }
            assertEquals(again.append(decoder.flush()).toString(), r.text());
            assertTrue(r.promptTokens() > 0);
            assertEquals(r.promptTokens() + 24 - 1, s.position(), "the last token is not fed back");
        }
    }

    @Test
    void sameSeedSameTokensAcrossSessionsAndResets() {
        SamplingParams p = SamplingParams.builder().temperature(1.2f).topK(50).seed(99).build();
        GenerationRequest req = GenerationRequest.builder("The little bird").maxTokens(20).sampling(p)
                .stopAtEndOfGeneration(false).build();
        try (Session a = model.newSession(); Session b = model.newSession()) {
            int[] first = a.generate(req, TokenListener.NONE).tokens();
            assertArrayEquals(first, b.generate(req, TokenListener.NONE).tokens());
            a.reset();
            assertArrayEquals(first, a.generate(req, TokenListener.NONE).tokens());
            SamplingParams other = SamplingParams.builder().temperature(1.2f).topK(50).seed(100).build();
            b.reset();
            int[] different = b.generate(GenerationRequest.builder("The little bird").maxTokens(20).sampling(other)
                    .stopAtEndOfGeneration(false).build(), TokenListener.NONE).tokens();
            assertFalse(java.util.Arrays.equals(first, different), "another seed should change the sample");
        }
    }

    @Test
    void batchedPrefillEqualsTokenByToken() {
        int[] tokens = model.tokenizer().encode("Lily and her dog Max went to the big park to play");
        float[][] batched;
        try (Session s = model.newSession(SessionOptions.defaults().withBatchSize(64))) {
            batched = s.evaluate(tokens);
        }
        try (Session s = model.newSession(SessionOptions.defaults().withBatchSize(1))) {
            for (int i = 0; i < tokens.length; i++) {
                float[] row = s.evaluate(new int[] {tokens[i]})[0];
                for (int v = 0; v < row.length; v++) {
                    assertEquals(batched[i][v], row[v], 1e-4f, "position " + i + " logit " + v);
                }
            }
        }
    }

    @Test
    void f16KvCacheStaysCloseToF32() {
        int[] tokens = model.tokenizer().encode("Once upon a time there was a cat");
        float[][] f32;
        float[][] f16;
        try (Session s = model.newSession()) {
            f32 = s.evaluate(tokens);
        }
        try (Session s = model.newSession(SessionOptions.defaults().withKvCacheFormat(QuantFormat.F16))) {
            f16 = s.evaluate(tokens);
        }
        double worst = 0;
        for (int i = 0; i < tokens.length; i++) {
            worst = Math.max(worst, GoldenLogitsTest.maxAbsDiff(f16[i], f32[i]));
        }
        assertTrue(worst < 0.05, "F16 KV cache moved logits by " + worst);
        assertTrue(worst > 0, "an F16 cache must round something");
    }

    @Test
    void stopStringEndsGenerationAndIsNotReturned() {
        try (Session s = model.newSession()) {
            GenerationResult free = s.generate(greedy("Once upon a time", 40), TokenListener.NONE);
            String text = free.text();
            assertTrue(text.length() > 6, "need some text to pick a stop string from: " + text);
            String stop = text.substring(3, 5);
            s.reset();
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = s.generate(GenerationRequest.builder("Once upon a time").maxTokens(40)
                    .stopAtEndOfGeneration(false).stopStrings(List.of(stop)).build(), (id, t) -> {
                        streamed.append(t);
                        return true;
                    });
            assertEquals(FinishReason.STOP_STRING, r.finishReason());
            assertEquals(text.substring(0, text.indexOf(stop)), r.text());
            assertEquals(r.text(), streamed.toString());
        }
    }

    @Test
    void listenerCanCancel() {
        try (Session s = model.newSession()) {
            int[] seen = {0};
            GenerationResult r = s.generate(greedy("Once", 30), (id, t) -> ++seen[0] < 5);
            assertEquals(FinishReason.CANCELLED, r.finishReason());
            assertEquals(5, r.generatedTokens());
        }
    }

    @Test
    void zeroMaxTokensOnlyProcessesThePrompt() {
        try (Session s = model.newSession()) {
            GenerationResult r = s.generate(greedy("Once upon", 0), TokenListener.NONE);
            assertEquals(0, r.generatedTokens());
            assertEquals(r.promptTokens(), s.position());
        }
    }

    @Test
    void askingForMoreThanTheContextHoldsIsRefusedUpFront() {
        try (Session s = model.newSession(SessionOptions.defaults().withContextLength(16))) {
            ContextOverflowException e = assertThrows(ContextOverflowException.class,
                    () -> s.generate(greedy("Once upon a time", 40), TokenListener.NONE));
            assertTrue(e.getMessage().contains("16"), e.getMessage());
            assertEquals(0, s.position(), "nothing was processed");
            assertThrows(ContextOverflowException.class, () -> s.evaluate(new int[17]));
            s.evaluate(new int[16]);
            assertThrows(ContextOverflowException.class, () -> s.evaluate(new int[1]));
        }
    }

    @Test
    void tokensOutsideTheVocabularyAreRejected() {
        try (Session s = model.newSession()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.evaluate(new int[] {1, 512}));
            assertTrue(e.getMessage().contains("512"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.evaluate(new int[] {-1}));
        }
    }

    @Test
    void closingTwiceAndUsingAfterCloseAreErrors() {
        Session s = model.newSession();
        s.close();
        IllegalStateException twice = assertThrows(IllegalStateException.class, s::close);
        assertTrue(twice.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> s.evaluate(new int[] {1}));
        assertThrows(IllegalStateException.class, () -> s.generate(greedy("x", 1), TokenListener.NONE));
    }

    @Test
    void closingTheModelClosesItsSessions() {
        try (Runtime rt = Runtime.builder().threads(1).build()) {
            Model m = rt.loadModel(TestModels.small(QuantFormat.F32));
            Session s = m.newSession();
            m.close();
            assertThrows(IllegalStateException.class, () -> s.evaluate(new int[] {1}));
            assertThrows(IllegalStateException.class, m::close);
            assertThrows(IllegalStateException.class, m::newSession);
        }
    }

    @Test
    void memoryBudgetIsCheckedBeforeAllocating() {
        try (Runtime rt = Runtime.builder().threads(1).memoryBudgetBytes(1_000_000).build();
                Model m = rt.loadModel(TestModels.small(QuantFormat.F32))) {
            // 2 layers x 2 x 64 dims x 4 bytes = 1 KiB per position: 4096 positions need 4 MiB
            BudgetExceededException e = assertThrows(BudgetExceededException.class,
                    () -> m.newSession(SessionOptions.defaults().withContextLength(4096)));
            assertTrue(e.getMessage().contains("runtime"), e.getMessage());
            try (Session small = m.newSession(SessionOptions.defaults().withContextLength(64))) {
                assertEquals(64, small.contextLength());
            }
            // what a closed session held is available again
            for (int i = 0; i < 3; i++) {
                m.newSession(SessionOptions.defaults().withContextLength(256)).close();
            }
        }
    }

    @Test
    void modelDescribesItself() {
        assertEquals("llama", model.architecture());
        assertEquals(512, model.vocabularySize());
        assertEquals(QuantFormat.Q8_0, model.weightFormat());
        assertEquals(256, model.trainedContextLength());
        assertEquals("llama", model.metadata().get("general.architecture"));
        assertNotEquals("", model.name());
        assertTrue(runtime.backendDescription().startsWith("cpu"), runtime.backendDescription());
    }
}
