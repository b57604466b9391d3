package io.jinfer.api;

import java.util.Map;

/**
 * A loaded model: weights (memory-mapped, never copied onto the heap), hyper-parameters and
 * tokenizer. A model is thread-safe and can serve many {@link Session}s at once. Closing it unmaps
 * the weights; sessions still open are closed with it.
 */
public interface Model extends AutoCloseable {

    /** @return the architecture name as the file states it, e.g. {@code llama} or {@code qwen2} */
    String architecture();

    /** @return the model's name from its metadata, or the file name */
    String name();

    /** @return the model's tokenizer */
    Tokenizer tokenizer();

    /** @return the longest context the model was trained for */
    int trainedContextLength();

    /** @return the size of the logits vector */
    int vocabularySize();

    /** @return the dominant weight format of the 2-D tensors */
    QuantFormat weightFormat();

    /** @return the file's metadata as Java values (String, Long, Double, Boolean, List) */
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
     * @param options context length and KV-cache format
     * @return a new session that owns its KV cache
     */
    Session newSession(SessionOptions options);

    /** Unmaps the weights and closes every open session. Closing twice is an error. */
    @Override
    void close();
}
