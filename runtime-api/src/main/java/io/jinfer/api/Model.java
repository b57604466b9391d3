package io.jinfer.api;

import java.util.Map;

/**
 * A loaded model: weights (memory-mapped, never copied onto the heap), hyper-parameters and
 * tokenizer. A model is thread-safe and can serve many {@link Session}s at once. Closing it unmaps
 * the weights; sessions still open are closed with it.
 */
public interface Model extends AutoCloseable {

    /**
     * Returns the model's architecture, which decides how the forward pass is built.
     *
     * @return the architecture name as the file states it, e.g. {@code llama} or {@code qwen2}
     */
    String architecture();

    /**
     * Returns a human-readable name for the model.
     *
     * @return the model's name from its metadata ({@code general.name}), or the file name when absent
     */
    String name();

    /**
     * Returns the tokenizer built from the model's vocabulary; it is shared by all sessions.
     *
     * @return the model's tokenizer
     */
    Tokenizer tokenizer();

    /**
     * Returns the context length the model was trained with; longer sessions may degrade.
     *
     * @return the longest context the model was trained for, in positions
     */
    int trainedContextLength();

    /**
     * Returns the number of logits each evaluated position yields, one per token id.
     *
     * @return the size of the logits vector
     */
    int vocabularySize();

    /**
     * Returns the format most 2-D weight tensors are stored in, e.g. {@link QuantFormat#Q4_K}.
     *
     * @return the dominant weight format of the 2-D tensors
     */
    QuantFormat weightFormat();

    /**
     * Returns the file's metadata, for inspection; keys are GGUF keys such as {@code general.architecture}.
     *
     * @return the file's metadata as Java values (String, Long, Double, Boolean, List)
     */
    Map<String, Object> metadata();

    /**
     * Opens a session with default options (the trained context, capped at 4096, F32 KV cache).
     *
     * @return a new session
     */
    default Session newSession() {
        return newSession(SessionOptions.defaults());
    }

    /**
     * Opens a session with its own KV cache, sized by the options.
     *
     * @param options context length and KV-cache format
     * @return a new session that owns its KV cache
     */
    Session newSession(SessionOptions options);

    /** Unmaps the weights and closes every open session. Closing twice is an error. */
    /**
     * Creates a scheduler that runs many generations of this model concurrently. Each running
     * generation holds its own KV cache; the scheduler is closed by the caller (or with the model).
     *
     * @param options parallelism, queue bound and session options
     * @return a new scheduler
     */
    GenerationScheduler newScheduler(SchedulerOptions options);

    @Override
    void close();
}
