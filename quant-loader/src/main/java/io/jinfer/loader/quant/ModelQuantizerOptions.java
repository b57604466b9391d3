package io.jinfer.loader.quant;

import io.jinfer.api.QuantFormat;
import java.util.Objects;

/**
 * How {@link ModelQuantizer} converts a model.
 *
 * @param target the format of the weight matrices: one of {@link ModelQuantizer#TARGETS}
 * @param threads threads that convert rows, from 1 to {@link #MAX_THREADS}; the output does not
 *     depend on it
 * @param listener told about progress, on the calling thread
 * @param mix llama.cpp's per-tensor mix (e.g. Q4_K_M) whose base format is {@code target}, or null
 *     for one format in every weight matrix
 */
public record ModelQuantizerOptions(QuantFormat target, int threads, ModelQuantizerListener listener, QuantMix mix) {
    /** Most threads accepted. */
    public static final int MAX_THREADS = 1024;

    /**
     * Checks every field.
     *
     * @throws IllegalArgumentException for a target that is not one of {@link ModelQuantizer#TARGETS}
     *     or a thread count out of range
     */
    public ModelQuantizerOptions {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(listener, "listener");
        if (!ModelQuantizer.TARGETS.contains(target)) {
            throw new IllegalArgumentException("cannot quantise to " + target + "; targets: "
                    + String.join(", ", ModelQuantizer.targetNames()));
        }
        if (mix != null && mix.base() != target) {
            throw new IllegalArgumentException(mix + " mixes around " + mix.base() + ", not " + target);
        }
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be in [1, " + MAX_THREADS + "], got " + threads);
        }
    }

    /**
     * Options for one format in every weight matrix.
     *
     * @param target the format of the weight matrices
     * @param threads threads that convert rows
     * @param listener told about progress
     */
    public ModelQuantizerOptions(QuantFormat target, int threads, ModelQuantizerListener listener) {
        this(target, threads, listener, null);
    }

    /**
     * Starts options for one of llama.cpp's mixes.
     *
     * @param mix the mix, e.g. {@link QuantMix#Q4_K_M}
     * @return a builder whose target is the mix's base format
     */
    public static Builder builder(QuantMix mix) {
        Builder b = new Builder(mix.base());
        b.mix = mix;
        return b;
    }

    /**
     * Starts building options for converting a model's weight matrices to {@code target}; the target is
     * checked by {@link Builder#build()}.
     *
     * @param target the format of the weight matrices
     * @return a builder with one thread per available processor and no listener
     */
    public static Builder builder(QuantFormat target) {
        return new Builder(target);
    }

    /** Builds {@link ModelQuantizerOptions}. */
    public static final class Builder {
        private final QuantFormat target;
        private int threads = Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors());
        private ModelQuantizerListener listener = ModelQuantizerListener.NONE;
        private QuantMix mix;

        private Builder(QuantFormat target) {
            this.target = target;
        }

        /**
         * Sets how many threads convert rows; the output is the same for every count.
         *
         * @param n threads, from 1 to {@link #MAX_THREADS}; other values make {@link #build()} throw
         * @return this builder
         */
        public Builder threads(int n) {
            this.threads = n;
            return this;
        }

        /**
         * Sets who is told about progress; the listener is called on the thread that runs the quantizer.
         *
         * @param l the listener, not {@code null}; {@link ModelQuantizerListener#NONE} ignores everything
         * @return this builder
         * @throws NullPointerException when {@code l} is {@code null}
         */
        public Builder listener(ModelQuantizerListener l) {
            this.listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        /**
         * Builds and checks the options.
         *
         * @return the options
         * @throws IllegalArgumentException when a value is out of range
         */
        public ModelQuantizerOptions build() {
            return new ModelQuantizerOptions(target, threads, listener, mix);
        }
    }
}
