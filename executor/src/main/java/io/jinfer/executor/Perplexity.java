package io.jinfer.executor;

import io.jinfer.api.JinferException;
import io.jinfer.api.Model;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The perplexity of a model on a text, computed the way llama.cpp's {@code llama-perplexity} computes
 * it, so that the numbers of the two can be compared:
 *
 * <ol>
 *   <li>the whole text is tokenized once, with BOS as the vocabulary asks and without parsing
 *       special-token texts;</li>
 *   <li>the tokens are cut into {@code n/contextLength} chunks of {@code contextLength} tokens (the
 *       remainder is dropped); a text must give at least two chunks;</li>
 *   <li>each chunk is evaluated in one pass from an empty context, its first token replaced by BOS
 *       when the vocabulary adds BOS;</li>
 *   <li>only the second half of each chunk is scored, so that every scored token has at least
 *       {@code contextLength/2} tokens before it: for positions {@code j} from {@code contextLength/2}
 *       to {@code contextLength-2}, {@code -ln softmax(logits[j])[token[j+1]]} is added in double
 *       precision;</li>
 *   <li>the estimate is {@code exp} of the mean, and its uncertainty the standard error of the mean
 *       scaled by the estimate (the derivative of {@code exp}).</li>
 * </ol>
 *
 * <p>Works on any {@link Model} of the public API; a run holds one session of
 * {@code contextLength} positions.
 */
public final class Perplexity {
    /** llama.cpp's default context of a perplexity run. */
    public static final int DEFAULT_CONTEXT = 512;
    /** {@code maxChunks} value that evaluates every whole chunk of the text. */
    public static final int ALL_CHUNKS = -1;
    /** The smallest context that scores at least one token per chunk. */
    public static final int MIN_CONTEXT = 3;
    /** llama.cpp's physical batch ({@code n_ubatch}): a chunk is fed in pieces of at most this many tokens. */
    private static final int BATCH = 512;

    private Perplexity() {}

    /** Hears about each chunk as soon as it is scored, e.g. to print llama.cpp's running estimate. */
    @FunctionalInterface
    public interface ChunkListener {
        /** Ignores every chunk. */
        ChunkListener NONE = (chunk, chunkCount) -> { };

        /**
         * Called after each chunk is scored, on the thread running the computation.
         *
         * @param chunk the chunk just scored, with the running estimate
         * @param chunkCount how many chunks the run evaluates in all
         */
        void chunkScored(PerplexityResult.Chunk chunk, int chunkCount);
    }

    /** The text gives fewer than two chunks of tokens, so there is nothing a run could score fairly. */
    public static final class TextTooShortException extends JinferException {
        private static final long serialVersionUID = 1L;

        /** Tokens the text gave. */
        private final int tokens;
        /** Tokens a run with this context needs. */
        private final int required;

        /**
         * Creates the exception; the message says how many tokens are needed and how to fix the run.
         *
         * @param tokens tokens the text gave
         * @param contextLength the context asked for
         */
        public TextTooShortException(int tokens, int contextLength) {
            super("the text tokenizes to only " + tokens + " tokens; perplexity with a context of " + contextLength
                    + " needs at least " + 2L * contextLength + " tokens (two chunks): give a longer text or a "
                    + "smaller context");
            this.tokens = tokens;
            this.required = (int) Math.min(Integer.MAX_VALUE, 2L * contextLength);
        }

        /**
         * Returns how many tokens the text gave.
         *
         * @return tokens the text gave
         */
        public int tokens() {
            return tokens;
        }

        /**
         * Returns how many tokens the text would need: two chunks of the context asked for.
         *
         * @return tokens a run with the context asked for needs
         */
        public int required() {
            return required;
        }
    }

    /**
     * Chooses the context length a run uses when none is given.
     *
     * @param model a model
     * @return llama.cpp's default context (512), or the model's trained context when that is smaller
     */
    public static int defaultContextLength(Model model) {
        int trained = model.trainedContextLength();
        return trained > 0 ? Math.min(DEFAULT_CONTEXT, trained) : DEFAULT_CONTEXT;
    }

    /**
     * Whether the vocabulary puts BOS in front of every text: then each chunk starts with BOS.
     *
     * @param tokenizer the model's tokenizer
     * @return whether encoding with special tokens adds BOS
     * @throws IllegalArgumentException when the vocabulary appends EOS to every text, which llama.cpp
     *     refuses for perplexity as well (the EOS would be scored as part of the text)
     */
    public static boolean addsBos(Tokenizer tokenizer) {
        // The tokenizer's own rule, observed on a probe, rather than the metadata key: the key is
        // optional and its default depends on the vocabulary type.
        int[] with = tokenizer.encode("a", true, false);
        int[] without = tokenizer.encode("a", false, false);
        if (with.length > without.length && with[with.length - 1] == tokenizer.eosToken()
                && (without.length == 0 || without[without.length - 1] != tokenizer.eosToken())) {
            throw new IllegalArgumentException("the vocabulary appends EOS to every text; perplexity is only "
                    + "defined here for vocabularies that do not");
        }
        return with.length > without.length && tokenizer.bosToken() >= 0 && with[0] == tokenizer.bosToken();
    }

    /**
     * Tokenizes a text as llama.cpp's perplexity tool does: special tokens added as the vocabulary
     * asks, special-token texts such as {@code <s>} inside the text tokenized as plain text.
     *
     * @param model the model
     * @param text the text
     * @return its tokens
     */
    public static int[] tokenize(Model model, String text) {
        Objects.requireNonNull(text, "text");
        return model.tokenizer().encode(text, true, false);
    }

    /**
     * Counts the chunks a run evaluates: whole chunks of the text only, at most {@code maxChunks}.
     *
     * @param textTokens tokens of the text
     * @param contextLength tokens per chunk
     * @param maxChunks the most chunks to evaluate, or {@link #ALL_CHUNKS}
     * @return how many chunks a run evaluates
     */
    public static int chunkCount(int textTokens, int contextLength, int maxChunks) {
        int whole = textTokens / contextLength;
        return maxChunks == ALL_CHUNKS ? whole : Math.min(maxChunks, whole);
    }

    /**
     * Computes the perplexity of a text.
     *
     * @param model the model
     * @param text the text (use it as it is; llama.cpp's tool drops one final newline of a file)
     * @param contextLength tokens per chunk, at least {@link #MIN_CONTEXT}
     * @param maxChunks the most chunks to evaluate (at least 1), or {@link #ALL_CHUNKS}
     * @param listener told about each chunk as it is scored
     * @return per-chunk values and the final estimate
     * @throws TextTooShortException when the text gives fewer than {@code 2 * contextLength} tokens
     * @throws IllegalArgumentException for a bad context or chunk count
     */
    public static PerplexityResult compute(Model model, String text, int contextLength, int maxChunks,
            ChunkListener listener) {
        checkOptions(contextLength, maxChunks);
        int bos = addsBos(model.tokenizer()) ? model.tokenizer().bosToken() : -1;
        return compute(model, tokenize(model, text), bos, contextLength, maxChunks, listener);
    }

    /**
     * Computes the perplexity of a token sequence.
     *
     * @param model the model
     * @param tokens the text's tokens, as {@link #tokenize} gives them
     * @param bosToken the token put first in each chunk, or -1 to leave chunks as they are (a
     *     vocabulary that adds no BOS)
     * @param contextLength tokens per chunk, at least {@link #MIN_CONTEXT}
     * @param maxChunks the most chunks to evaluate (at least 1), or {@link #ALL_CHUNKS}
     * @param listener told about each chunk as it is scored
     * @return per-chunk values and the final estimate
     * @throws TextTooShortException when there are fewer than {@code 2 * contextLength} tokens
     * @throws IllegalArgumentException for a bad context, chunk count or BOS id
     */
    public static PerplexityResult compute(Model model, int[] tokens, int bosToken, int contextLength,
            int maxChunks, ChunkListener listener) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(listener, "listener");
        checkOptions(contextLength, maxChunks);
        if (bosToken < -1 || bosToken >= model.vocabularySize()) {
            throw new IllegalArgumentException("bosToken " + bosToken + " is neither -1 nor in the vocabulary [0, "
                    + model.vocabularySize() + ")");
        }
        if (tokens.length < 2L * contextLength) {
            throw new TextTooShortException(tokens.length, contextLength);
        }
        int chunkCount = chunkCount(tokens.length, contextLength, maxChunks);
        // The first half of each chunk only gives the scored tokens something to condition on.
        int first = contextLength / 2;
        int perChunk = contextLength - first - 1;
        SessionOptions options = SessionOptions.defaults()
                .withContextLength(contextLength)
                .withBatchSize(Math.min(contextLength, BATCH));
        List<PerplexityResult.Chunk> chunks = new ArrayList<>(chunkCount);
        double nll = 0;
        double nll2 = 0;
        int count = 0;
        int[] chunk = new int[contextLength];
        try (Session session = model.newSession(options)) {
            for (int c = 0; c < chunkCount; c++) {
                int start = c * contextLength;
                System.arraycopy(tokens, start, chunk, 0, contextLength);
                if (bosToken >= 0) {
                    chunk[0] = bosToken;
                }
                session.reset();
                float[][] logits = session.evaluate(chunk);
                double chunkNll = 0;
                for (int j = first; j < contextLength - 1; j++) {
                    double v = negativeLogSoftmax(logits[j], tokens[start + j + 1]);
                    chunkNll += v;
                    nll2 += v * v;
                }
                nll += chunkNll;
                count += perChunk;
                PerplexityResult.Chunk scored = new PerplexityResult.Chunk(c, start, chunkNll, perChunk,
                        StrictMath.exp(nll / count));
                chunks.add(scored);
                listener.chunkScored(scored, chunkCount);
            }
        }
        double mean = nll / count;
        double ppl = StrictMath.exp(mean);
        double variance = nll2 / count - mean * mean;
        double uncertainty = count > 1 && variance > 0 ? Math.sqrt(variance / (count - 1)) * ppl : Double.NaN;
        return new PerplexityResult(contextLength, tokens.length, chunks, count, ppl, uncertainty);
    }

    private static void checkOptions(int contextLength, int maxChunks) {
        if (contextLength < MIN_CONTEXT) {
            throw new IllegalArgumentException("contextLength must be at least " + MIN_CONTEXT
                    + " (so that each chunk scores a token), got " + contextLength);
        }
        if (maxChunks != ALL_CHUNKS && maxChunks < 1) {
            throw new IllegalArgumentException("maxChunks must be at least 1 or ALL_CHUNKS (-1), got " + maxChunks);
        }
    }

    /**
     * {@code -ln softmax(logits)[target]} as llama.cpp's perplexity tool computes it: the maximum
     * subtracted in float, each {@code exp} rounded to float and summed in double, the logarithm in
     * double.
     *
     * @param logits one row of logits
     * @param target the token whose probability is wanted
     * @return its negative log-probability
     */
    static double negativeLogSoftmax(float[] logits, int target) {
        float max = logits[0];
        for (int i = 1; i < logits.length; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (float l : logits) {
            sum += (float) StrictMath.exp(l - max);
        }
        return StrictMath.log(sum) - (double) (logits[target] - max);
    }
}
