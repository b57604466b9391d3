package io.jinfer.executor;

import io.jinfer.api.FinishReason;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.TokenListener;
import io.jinfer.api.Tokenizer;
import java.util.Arrays;

/**
 * The per-token half of a generation, shared by a session and the batching scheduler: it samples a token
 * from the logits with the request's own seeded {@link Sampler}, decodes it to text, applies the stop
 * conditions (end of generation, stop strings, max tokens), streams it to the listener and keeps the
 * result. Whoever drives it only runs the model.
 */
final class TokenStream {
    private final GenerationRequest request;
    private final Tokenizer tokenizer;
    private final Sampler sampler;
    private final StopStringMatcher stops;
    private final Tokenizer.StreamDecoder decoder;
    private final int[] generated;
    private int count;
    private FinishReason reason = FinishReason.MAX_TOKENS;
    private boolean finished;

    TokenStream(GenerationRequest request, Tokenizer tokenizer, int vocabSize) {
        this.request = request;
        this.tokenizer = tokenizer;
        this.sampler = new Sampler(request.sampling(), vocabSize);
        this.stops = new StopStringMatcher(request.stopStrings());
        this.decoder = tokenizer.newStreamDecoder();
        this.generated = new int[request.maxTokens()];
        this.finished = request.maxTokens() == 0;
    }

    /**
     * Samples the next token and streams it.
     *
     * @param logits the model's logits after the last token fed; modified by the sampler
     * @param history tokens so far (prompt and generated)
     * @param historyLength valid entries of {@code history}
     * @param listener receives the token; returning false cancels
     * @return the token, to be fed to the model unless {@link #finished()}
     */
    int next(float[] logits, int[] history, int historyLength, TokenListener listener) {
        if (finished) {
            throw new IllegalStateException("the generation has finished");
        }
        int token = sampler.sample(logits, history, historyLength);
        generated[count++] = token;
        boolean eog = request.stopAtEndOfGeneration() && tokenizer.isEndOfGeneration(token);
        String text = eog ? "" : stops.accept(decoder.accept(token));
        if (stops.stopped()) {
            reason = FinishReason.STOP_STRING;
        } else if (eog) {
            reason = FinishReason.END_OF_GENERATION;
        }
        boolean last = stops.stopped() || eog || count == request.maxTokens();
        if (last && !stops.stopped()) {
            // the final token carries whatever was held back: an unfinished character or stop-string prefix
            text += stops.accept(decoder.flush()) + stops.flush();
        }
        boolean go = listener.onToken(token, text);
        if (last) {
            finished = true;
        } else if (!go) {
            reason = FinishReason.CANCELLED;
            finished = true;
        }
        return token;
    }

    /** Ends the generation early as cancelled (used by a scheduler). */
    void cancel() {
        if (!finished) {
            reason = FinishReason.CANCELLED;
            finished = true;
        }
    }

    /** @return whether no more tokens follow (from the start when {@code maxTokens} is 0) */
    boolean finished() {
        return finished;
    }

    /** @return tokens generated so far */
    int count() {
        return count;
    }

    /** @return the result so far */
    GenerationResult result(int promptTokens, long prefillNanos, long decodeNanos) {
        return new GenerationResult(stops.finalText(), Arrays.copyOf(generated, count), reason, promptTokens,
                prefillNanos, decodeNanos);
    }
}
