package io.jinfer.api;

/** Why generation ended. */
public enum FinishReason {
    /** The model produced an end-of-generation token. */
    END_OF_GENERATION,
    /** The generated text reached a stop string. */
    STOP_STRING,
    /** {@code maxTokens} tokens were generated. */
    MAX_TOKENS,
    /** The listener asked to stop. */
    CANCELLED,
    /** The session's context is full. */
    CONTEXT_FULL
}
