package io.jinfer.loader.hf;

/**
 * The {@code rope_scaling} of a Hugging Face config that jinfer applies as per-pair frequency
 * divisors, the way llama.cpp's {@code rope_freqs.weight} does.
 *
 * @param type {@code llama3} or {@code linear}
 * @param factor how much the context was stretched
 * @param lowFreqFactor llama3: wavelengths above {@code original / lowFreqFactor} are divided by {@code factor}
 * @param highFreqFactor llama3: wavelengths below {@code original / highFreqFactor} are kept
 * @param originalContext llama3: {@code original_max_position_embeddings}
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalContext) {

    /**
     * Computes the divisor of each rotated pair's frequency.
     *
     * @param base rope theta
     * @param dims rotated dimensions per head
     * @return {@code dims / 2} divisors; pair {@code i} turns at {@code base^(-2i/dims) / factor[i]}
     */
    public float[] frequencyFactors(double base, int dims) {
        float[] out = new float[dims / 2];
        for (int i = 0; i < out.length; i++) {
            if (type.equals("linear")) {
                out[i] = (float) factor;
                continue;
            }
            double freq = Math.pow(base, -2.0 * i / dims);
            double wavelength = 2 * Math.PI / freq;
            double highWavelength = originalContext / highFreqFactor;
            double lowWavelength = originalContext / lowFreqFactor;
            if (wavelength < highWavelength) {
                out[i] = 1f;
            } else if (wavelength > lowWavelength) {
                out[i] = (float) factor;
            } else {
                // Between the two bands the stretch blends smoothly from none to the full factor.
                double smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (float) (1.0 / ((1 - smooth) / factor + smooth));
            }
        }
        return out;
    }
}
