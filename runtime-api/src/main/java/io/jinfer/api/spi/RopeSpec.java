package io.jinfer.api.spi;

/**
 * Rotary position embedding of one model.
 *
 * @param base frequency base (theta)
 * @param dims leading dimensions of each head that are rotated (ggml's {@code n_rot})
 * @param neox {@code true} for NEOX pairing (x[i], x[i + dims/2]) as qwen uses; {@code false} for
 *     llama.cpp's NORM pairing of adjacent values (x[2i], x[2i+1])
 * @param freqFactors per-pair divisors of the frequency (Llama-3 {@code rope_freqs.weight}), or null
 */
public record RopeSpec(float base, int dims, boolean neox, TensorView freqFactors) {
    /** Validates the parameters. */
    public RopeSpec {
        if (!(base > 0) || !Float.isFinite(base)) {
            throw new IllegalArgumentException("rope base must be > 0, got " + base);
        }
        if (dims <= 0 || dims % 2 != 0) {
            throw new IllegalArgumentException("rope dimensions must be even and > 0, got " + dims);
        }
        if (freqFactors != null && freqFactors.elementCount() != dims / 2) {
            throw new IllegalArgumentException("rope frequency factors need " + dims / 2 + " values, got "
                    + freqFactors.elementCount());
        }
    }
}
