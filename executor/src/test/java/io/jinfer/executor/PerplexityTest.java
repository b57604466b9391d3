package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.TokenListener;
import io.jinfer.api.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The arithmetic and the chunking rules of {@link Perplexity}, on a scripted model whose logits the
 * test chooses: every logits row is a function of the position in the chunk and the tokens fed.
 */
class PerplexityTest {
    private static final int VOCAB = 50;
    private static final int BOS = 1;

    /** Uniform logits: every token has probability 1/V, so the perplexity is V whatever the text. */
    @Test
    void uniformLogitsGiveTheVocabularySize() {
        ScriptedModel model = new ScriptedModel(VOCAB, (chunk, j) -> filled(VOCAB, 0.25f));
        PerplexityResult r = Perplexity.compute(model, randomTokens(100, 3), BOS, 16, Perplexity.ALL_CHUNKS,
                Perplexity.ChunkListener.NONE);
        assertEquals(VOCAB, r.perplexity(), 1e-9 * VOCAB);
        for (PerplexityResult.Chunk c : r.chunks()) {
            assertEquals(VOCAB, c.perplexity(), 1e-9 * VOCAB);
            assertEquals(VOCAB, c.runningPerplexity(), 1e-9 * VOCAB);
        }
        // Every token has the same log-probability: no spread, so at most rounding noise.
        assertTrue(!r.hasUncertainty() || r.uncertainty() < 1e-5, "uncertainty " + r.uncertainty());
    }

    @Test
    void chunksAreWholeWindowsEachStartingWithBosFromAnEmptyContext() {
        ScriptedModel model = new ScriptedModel(VOCAB, PerplexityTest::pseudoRandomRow);
        int[] tokens = randomTokens(107, 5);
        int ctx = 20;
        PerplexityResult r = Perplexity.compute(model, tokens, BOS, ctx, Perplexity.ALL_CHUNKS,
                Perplexity.ChunkListener.NONE);
        // 107 / 20 = 5 whole chunks; the 7 tokens left over are dropped.
        assertEquals(5, r.chunks().size());
        assertEquals(5, model.evaluated.size());
        for (int c = 0; c < 5; c++) {
            int[] expected = Arrays.copyOfRange(tokens, c * ctx, (c + 1) * ctx);
            expected[0] = BOS;
            assertArrayEquals(expected, model.evaluated.get(c), "chunk " + c);
            assertEquals(0, model.positionsBefore.get(c), "chunk " + c + " starts from an empty context");
            assertEquals(c * ctx, r.chunks().get(c).firstToken());
            assertEquals(c, r.chunks().get(c).index());
        }
        assertEquals(1, model.sessionsOpened, "one session serves every chunk");
        assertEquals(ctx, model.lastOptions.contextLength());
        assertEquals(1, model.sessionsClosed);
        assertEquals(107, r.textTokens());
        assertEquals(ctx, r.contextLength());
    }

    @Test
    void withoutBosTheChunksAreLeftAsTheyAre() {
        ScriptedModel model = new ScriptedModel(VOCAB, PerplexityTest::pseudoRandomRow);
        int[] tokens = randomTokens(40, 6);
        Perplexity.compute(model, tokens, -1, 20, Perplexity.ALL_CHUNKS, Perplexity.ChunkListener.NONE);
        assertArrayEquals(Arrays.copyOfRange(tokens, 0, 20), model.evaluated.get(0));
        assertArrayEquals(Arrays.copyOfRange(tokens, 20, 40), model.evaluated.get(1));
    }

    /**
     * Only positions ctx/2 .. ctx-2 are scored: every other row is NaN, so reading one would poison the
     * result; the value must equal a straightforward double-precision computation over those rows.
     */
    @Test
    void onlyTheSecondHalfOfEachChunkIsScored() {
        for (int ctx : new int[] {3, 8, 9, 20}) {
            BiFunction<int[], Integer, float[]> rows = (chunk, j) -> j < ctx / 2 || j == ctx - 1
                    ? filled(VOCAB, Float.NaN) : pseudoRandomRow(chunk, j);
            ScriptedModel model = new ScriptedModel(VOCAB, rows);
            int[] tokens = randomTokens(4 * ctx + 1, ctx);
            List<PerplexityResult.Chunk> heard = new ArrayList<>();
            PerplexityResult r = Perplexity.compute(model, tokens, BOS, ctx, Perplexity.ALL_CHUNKS,
                    (chunk, total) -> {
                        assertEquals(4, total);
                        heard.add(chunk);
                    });
            assertEquals(r.chunks(), heard, "the listener hears each chunk once, in order");

            int perChunk = ctx - ctx / 2 - 1;
            double sum = 0;
            double sumSq = 0;
            int count = 0;
            for (int c = 0; c < 4; c++) {
                int[] chunk = Arrays.copyOfRange(tokens, c * ctx, (c + 1) * ctx);
                chunk[0] = BOS;
                double chunkSum = 0;
                for (int j = ctx / 2; j <= ctx - 2; j++) {
                    double v = -logSoftmax(pseudoRandomRow(chunk, j), tokens[c * ctx + j + 1]);
                    chunkSum += v;
                    sumSq += v * v;
                    count++;
                }
                sum += chunkSum;
                PerplexityResult.Chunk got = r.chunks().get(c);
                assertEquals(perChunk, got.tokensScored());
                // llama.cpp rounds each exp to float: agreement with double precision to about 1e-7.
                assertEquals(chunkSum, got.negLogLikelihood(), 1e-6 * Math.abs(chunkSum), "ctx " + ctx);
                assertEquals(Math.exp(sum / count), got.runningPerplexity(), 1e-6 * got.runningPerplexity());
            }
            double mean = sum / count;
            double ppl = Math.exp(mean);
            double sd = Math.sqrt((sumSq / count - mean * mean) / (count - 1));
            assertEquals(count, r.tokensScored());
            assertEquals(4 * perChunk, r.tokensScored());
            assertEquals(ppl, r.perplexity(), 1e-6 * ppl, "ctx " + ctx);
            assertTrue(r.hasUncertainty());
            assertEquals(sd * ppl, r.uncertainty(), 1e-4 * sd * ppl, "ctx " + ctx);
        }
    }

    @Test
    void maxChunksStopsEarlyAndNeverGoesPastTheText() {
        ScriptedModel model = new ScriptedModel(VOCAB, PerplexityTest::pseudoRandomRow);
        int[] tokens = randomTokens(100, 7);
        assertEquals(2, Perplexity.compute(model, tokens, BOS, 10, 2, Perplexity.ChunkListener.NONE).chunks().size());
        assertEquals(10, Perplexity.compute(model, tokens, BOS, 10, 50, Perplexity.ChunkListener.NONE).chunks().size());
        assertEquals(3, Perplexity.chunkCount(35, 10, Perplexity.ALL_CHUNKS));
        assertEquals(1, Perplexity.chunkCount(35, 10, 1));
    }

    @Test
    void textShorterThanTwoChunksIsRefused() {
        ScriptedModel model = new ScriptedModel(VOCAB, PerplexityTest::pseudoRandomRow);
        Perplexity.TextTooShortException e = assertThrows(Perplexity.TextTooShortException.class,
                () -> Perplexity.compute(model, randomTokens(39, 8), BOS, 20, Perplexity.ALL_CHUNKS,
                        Perplexity.ChunkListener.NONE));
        assertEquals(39, e.tokens());
        assertEquals(40, e.required());
        assertTrue(e.getMessage().contains("39") && e.getMessage().contains("40")
                && e.getMessage().contains("context of 20"), e.getMessage());
        assertEquals(0, model.sessionsOpened, "nothing is evaluated");
        // Exactly two chunks is enough.
        Perplexity.compute(model, randomTokens(40, 8), BOS, 20, Perplexity.ALL_CHUNKS, Perplexity.ChunkListener.NONE);
    }

    @Test
    void badOptionsAreRefused() {
        ScriptedModel model = new ScriptedModel(VOCAB, PerplexityTest::pseudoRandomRow);
        int[] tokens = randomTokens(100, 9);
        var none = Perplexity.ChunkListener.NONE;
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Perplexity.compute(model, tokens, BOS, 2, Perplexity.ALL_CHUNKS, none))
                .getMessage().contains("contextLength"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Perplexity.compute(model, tokens, BOS, 10, 0, none)).getMessage().contains("maxChunks"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Perplexity.compute(model, tokens, VOCAB, 10, 1, none)).getMessage().contains("bosToken"));
    }

    @Test
    void defaultContextIs512OrTheTrainedContextWhenSmaller() {
        assertEquals(512, Perplexity.defaultContextLength(new ScriptedModel(VOCAB, null, 2048)));
        assertEquals(128, Perplexity.defaultContextLength(new ScriptedModel(VOCAB, null, 128)));
    }

    @Test
    void logSoftmaxMatchesDoublePrecision() {
        SplittableRandom random = new SplittableRandom(11);
        float[] row = new float[1000];
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) (random.nextGaussian() * 6);
        }
        for (int t : new int[] {0, 17, 999}) {
            double expected = -logSoftmax(row, t);
            assertEquals(expected, Perplexity.negativeLogSoftmax(row, t), 1e-6 * Math.max(1, expected));
        }
        // A token far below the maximum keeps its precision (no exp underflow in the target's term).
        float[] sharp = filled(4, -200f);
        sharp[2] = 0;
        assertEquals(200 + Math.log1p(3 * Math.exp(-200)), Perplexity.negativeLogSoftmax(sharp, 0), 1e-9);
    }

    // --- independent reference and scripted model

    /** Straightforward log-softmax in double precision. */
    static double logSoftmax(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return logits[target] - max - Math.log(sum);
    }

    private static float[] filled(int n, float v) {
        float[] row = new float[n];
        Arrays.fill(row, v);
        return row;
    }

    /** A row that depends on every token fed up to {@code j} and on {@code j}, as a causal model's does. */
    private static float[] pseudoRandomRow(int[] chunk, int j) {
        long seed = j * 1_000_003L;
        for (int i = 0; i <= j; i++) {
            seed = seed * 31 + chunk[i];
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] row = new float[VOCAB];
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) (random.nextGaussian() * 3);
        }
        return row;
    }

    private static int[] randomTokens(int n, long seed) {
        return new SplittableRandom(seed).ints(n, 0, VOCAB).toArray();
    }

    /** A model whose logits rows come from a function; it records what it was asked to evaluate. */
    private static final class ScriptedModel implements Model {

        @Override
        public io.jinfer.api.GenerationScheduler newScheduler(io.jinfer.api.SchedulerOptions options) {
            throw new UnsupportedOperationException("a scripted model has no scheduler");
        }
        final int vocab;
        final BiFunction<int[], Integer, float[]> rows;
        final int trained;
        final List<int[]> evaluated = new ArrayList<>();
        final List<Integer> positionsBefore = new ArrayList<>();
        int sessionsOpened;
        int sessionsClosed;
        SessionOptions lastOptions;

        ScriptedModel(int vocab, BiFunction<int[], Integer, float[]> rows) {
            this(vocab, rows, 4096);
        }

        ScriptedModel(int vocab, BiFunction<int[], Integer, float[]> rows, int trained) {
            this.vocab = vocab;
            this.rows = rows;
            this.trained = trained;
        }

        @Override
        public String architecture() {
            return "scripted";
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public Tokenizer tokenizer() {
            throw new UnsupportedOperationException("the token path needs no tokenizer");
        }

        @Override
        public int trainedContextLength() {
            return trained;
        }

        @Override
        public int vocabularySize() {
            return vocab;
        }

        @Override
        public QuantFormat weightFormat() {
            return QuantFormat.F32;
        }

        @Override
        public Map<String, Object> metadata() {
            return Map.of();
        }

        @Override
        public Session newSession(SessionOptions options) {
            sessionsOpened++;
            lastOptions = options;
            return new Session() {
                private final List<Integer> fed = new ArrayList<>();
                private boolean closed;

                @Override
                public GenerationResult generate(GenerationRequest request, TokenListener listener) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public float[][] evaluate(int[] tokens) {
                    positionsBefore.add(fed.size());
                    evaluated.add(tokens.clone());
                    assertTrue(fed.size() + tokens.length <= options.contextLength(), "context overflow");
                    float[][] out = new float[tokens.length][];
                    for (int t : tokens) {
                        fed.add(t);
                    }
                    int[] all = fed.stream().mapToInt(Integer::intValue).toArray();
                    int base = fed.size() - tokens.length;
                    for (int i = 0; i < tokens.length; i++) {
                        out[i] = rows.apply(all, base + i);
                    }
                    return out;
                }

                @Override
                public int position() {
                    return fed.size();
                }

                @Override
                public int contextLength() {
                    return options.contextLength();
                }

                @Override
                public void reset() {
                    fed.clear();
                }

                @Override
                public void close() {
                    assertFalse(closed, "closed twice");
                    closed = true;
                    sessionsClosed++;
                }
            };
        }

        @Override
        public void close() {
        }
    }
}
