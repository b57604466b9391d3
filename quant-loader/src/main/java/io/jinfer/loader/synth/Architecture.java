package io.jinfer.loader.synth;

/**
 * The transformer variants the generator can write, named as llama.cpp names them in
 * {@code general.architecture}.
 */
public enum Architecture {
    /** Llama: RMSNorm, rotary attention (normal rope), SwiGLU feed-forward, no biases. */
    LLAMA("llama", false, false),
    /** Qwen2: Llama with biases on the Q, K and V projections. */
    QWEN2("qwen2", true, false),
    /** Qwen3: Llama with a per-head RMSNorm on Q and K ({@code attn_q_norm}, {@code attn_k_norm}). */
    QWEN3("qwen3", false, true);

    private final String ggufName;
    private final boolean qkvBias;
    private final boolean qkNorm;

    Architecture(String ggufName, boolean qkvBias, boolean qkNorm) {
        this.ggufName = ggufName;
        this.qkvBias = qkvBias;
        this.qkNorm = qkNorm;
    }

    /**
     * Returns the name GGUF files use for this architecture.
     *
     * @return the value of {@code general.architecture} and the prefix of its metadata keys
     */
    public String ggufName() {
        return ggufName;
    }

    /**
     * Tells whether the attention projections carry biases (Qwen2 does).
     *
     * @return whether the Q, K and V projections have biases
     */
    public boolean hasQkvBias() {
        return qkvBias;
    }

    /**
     * Tells whether queries and keys are normalised per head (Qwen3 does).
     *
     * @return whether Q and K are RMS-normalised per head before rope
     */
    public boolean hasQkNorm() {
        return qkNorm;
    }

    /**
     * Finds the architecture a GGUF file names.
     *
     * @param name a {@code general.architecture} value such as "llama"
     * @return the architecture
     * @throws IllegalArgumentException when the generator does not know it
     */
    public static Architecture fromGgufName(String name) {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture \"" + name + "\"; expected llama, qwen2 or qwen3");
    }
}
