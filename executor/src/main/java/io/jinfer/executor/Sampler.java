package io.jinfer.executor;

import io.jinfer.api.SamplingParams;
import java.util.SplittableRandom;

/**
 * Chooses the next token. Order, as llama.cpp's default chain: penalties, top-k, top-p, min-p,
 * temperature, then a draw. Greedy (temperature 0) takes the argmax after the penalties. Buffers are
 * sized for the vocabulary once; sampling allocates nothing.
 */
final class Sampler {
    private final SamplingParams p;
    private final SplittableRandom random;
    private final int[] ids;
    private final float[] values;
    private final int[] counts;

    Sampler(SamplingParams params, int vocabSize) {
        this.p = params;
        this.random = new SplittableRandom(params.seed());
        this.ids = new int[vocabSize];
        this.values = new float[vocabSize];
        this.counts = new int[vocabSize];
    }

    /**
     * @param logits the model's logits; modified by the penalties
     * @param history tokens so far (prompt and generated)
     * @param historyLength valid entries of {@code history}
     * @return the chosen token
     */
    int sample(float[] logits, int[] history, int historyLength) {
        applyPenalties(logits, history, historyLength);
        if (p.isGreedy()) {
            return argmax(logits);
        }
        int n = logits.length;
        for (int i = 0; i < n; i++) {
            ids[i] = i;
            // a NaN would break the ordering below; such a token is never chosen
            values[i] = Float.isNaN(logits[i]) ? Float.NEGATIVE_INFINITY : logits[i];
        }
        int k = p.topK() > 0 ? Math.min(p.topK(), n) : n;
        partialSortDescending(k, n);
        n = k;
        // softmax over the survivors, most likely first
        float max = values[0];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = StrictMath.exp(values[i] - max);
            values[i] = (float) e;
            sum += e;
        }
        if (p.topP() < 1f) {
            double cumulative = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                cumulative += values[i] / sum;
                if (cumulative >= p.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            n = keep;
        }
        if (p.minP() > 0f) {
            float threshold = values[0] * p.minP();
            int keep = 1;
            while (keep < n && values[keep] >= threshold) {
                keep++;
            }
            n = keep;
        }
        // temperature on the surviving logits: p_i ∝ exp((l_i - l_max) / T) = e_i^(1/T)
        double total = 0;
        double invT = 1.0 / p.temperature();
        for (int i = 0; i < n; i++) {
            values[i] = (float) StrictMath.pow(values[i], invT);
            total += values[i];
        }
        double r = random.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += values[i];
            if (r < acc) {
                return ids[i];
            }
        }
        return ids[n - 1];
    }

    private void applyPenalties(float[] logits, int[] history, int length) {
        boolean any = p.repetitionPenalty() != 1f || p.frequencyPenalty() != 0f || p.presencePenalty() != 0f;
        if (!any || p.penaltyWindow() == 0) {
            return;
        }
        int from = Math.max(0, length - p.penaltyWindow());
        for (int i = from; i < length; i++) {
            counts[history[i]]++;
        }
        for (int i = from; i < length; i++) {
            int t = history[i];
            int c = counts[t];
            if (c == 0) {
                continue; // already penalised
            }
            float l = logits[t];
            if (p.repetitionPenalty() != 1f) {
                l = l > 0 ? l / p.repetitionPenalty() : l * p.repetitionPenalty();
            }
            l -= c * p.frequencyPenalty() + p.presencePenalty();
            logits[t] = l;
            counts[t] = 0;
        }
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best] || Float.isNaN(logits[best])) {
                best = i;
            }
        }
        return best;
    }

    /** Moves the k largest values (with their ids) to the front, in descending order. */
    private void partialSortDescending(int k, int n) {
        if (k < n / 8) {
            // selection by repeated max for small k keeps this O(n·k) without allocating
            for (int i = 0; i < k; i++) {
                int best = i;
                for (int j = i + 1; j < n; j++) {
                    if (values[j] > values[best]) {
                        best = j;
                    }
                }
                swap(i, best);
            }
        } else {
            quickSortDescending(0, n - 1);
        }
    }

    private void quickSortDescending(int lo, int hi) {
        while (lo < hi) {
            float pivot = values[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (values[i] > pivot) {
                    i++;
                }
                while (values[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(i++, j--);
                }
            }
            if (j - lo < hi - i) {
                quickSortDescending(lo, j);
                lo = i;
            } else {
                quickSortDescending(i, hi);
                hi = j;
            }
        }
    }

    private void swap(int a, int b) {
        float v = values[a];
        values[a] = values[b];
        values[b] = v;
        int id = ids[a];
        ids[a] = ids[b];
        ids[b] = id;
    }
}
