package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Perplexity} on a real forward pass: a small model the test generates, checked against a plain recomputation. */
class PerplexityModelTest {
    private static final String TEXT = "Once upon a time there was a little girl named Lily. She loved to play in "
            + "the park with her dog Max. One day she saw a big red ball under a tree. She wanted to play with it, "
            + "so she asked her mom. Her mom said yes, and Lily was very happy. They played all day in the sun. "
            + "When it was time to go home, Lily gave the ball back to the boy who had lost it. He smiled and said "
            + "thank you. Lily felt good.";
    private static final int CTX = 24;

    private static Runtime runtime;
    private static Model model;

    @BeforeAll
    static void load() {
        runtime = Runtime.builder().threads(2).build();
        model = runtime.loadModel(TestModels.small(QuantFormat.F32));
    }

    @AfterAll
    static void close() {
        model.close();
        runtime.close();
    }

    /**
     * The same numbers as a plain recomputation: tokenize, one fresh session per chunk with BOS first,
     * every logit row turned into a log-probability in double precision.
     */
    @Test
    void matchesAStraightforwardComputationOnTheSameLogits() {
        PerplexityResult r = Perplexity.compute(model, TEXT, CTX, Perplexity.ALL_CHUNKS,
                Perplexity.ChunkListener.NONE);

        int[] tokens = model.tokenizer().encode(TEXT, true, false);
        int bos = model.tokenizer().bosToken();
        assertEquals(bos, tokens[0], "the synthetic vocabulary adds BOS");
        assertEquals(tokens.length, r.textTokens());
        int chunks = tokens.length / CTX;
        assertTrue(chunks >= 3, "the text gives " + tokens.length + " tokens");
        assertEquals(chunks, r.chunks().size());

        double sum = 0;
        double sumSq = 0;
        int count = 0;
        for (int c = 0; c < chunks; c++) {
            int[] chunk = Arrays.copyOfRange(tokens, c * CTX, (c + 1) * CTX);
            chunk[0] = bos;
            float[][] logits;
            try (Session s = model.newSession(SessionOptions.defaults().withContextLength(CTX))) {
                logits = s.evaluate(chunk);
            }
            for (int j = CTX / 2; j < CTX - 1; j++) {
                double v = -PerplexityTest.logSoftmax(logits[j], chunk[j + 1]);
                sum += v;
                sumSq += v * v;
                count++;
            }
            double running = Math.exp(sum / count);
            assertEquals(running, r.chunks().get(c).runningPerplexity(), 1e-6 * running, "chunk " + c);
        }
        double mean = sum / count;
        double ppl = Math.exp(mean);
        double uncertainty = Math.sqrt((sumSq / count - mean * mean) / (count - 1)) * ppl;
        assertEquals(count, r.tokensScored());
        assertEquals(ppl, r.perplexity(), 1e-6 * ppl);
        assertEquals(uncertainty, r.uncertainty(), 1e-4 * uncertainty);
        assertTrue(Double.isFinite(ppl) && ppl > 1, "perplexity " + ppl);
    }

    @Test
    void theTextPathIsTheTokenPathWithTheVocabularysBos() {
        assertTrue(Perplexity.addsBos(model.tokenizer()));
        int[] tokens = Perplexity.tokenize(model, TEXT);
        assertArrayEquals(model.tokenizer().encode(TEXT, true, false), tokens);
        PerplexityResult byText = Perplexity.compute(model, TEXT, CTX, 2, Perplexity.ChunkListener.NONE);
        PerplexityResult byTokens = Perplexity.compute(model, tokens, model.tokenizer().bosToken(), CTX, 2,
                Perplexity.ChunkListener.NONE);
        assertEquals(byTokens, byText);
        // Special-token texts are plain text here, as in llama.cpp's tool.
        assertTrue(Perplexity.tokenize(model, "<s>").length > 2);
    }

    @Test
    void aShortTextIsRefusedWithTheNumbers() {
        int n = model.tokenizer().encode("Lily saw a dog.", true, false).length;
        Perplexity.TextTooShortException e = assertThrows(Perplexity.TextTooShortException.class,
                () -> Perplexity.compute(model, "Lily saw a dog.", CTX, Perplexity.ALL_CHUNKS,
                        Perplexity.ChunkListener.NONE));
        assertEquals(n, e.tokens());
        assertTrue(e.getMessage().contains("only " + n + " tokens") && e.getMessage().contains(String.valueOf(2 * CTX)),
                e.getMessage());
    }
}
