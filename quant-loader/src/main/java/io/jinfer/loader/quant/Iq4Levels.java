package io.jinfer.loader.quant;

/**
 * The 16 non-linear levels of IQ4_NL and IQ4_XS and ggml's choice of the nearest one.
 */
final class Iq4Levels {
    /** Sorted, denser near zero. */
    static final int[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private Iq4Levels() {}

    /**
     * Index of the level nearest to {@code x}. ggml's {@code best_index_int8}: level i is chosen
     * once {@code 2x} reaches the (exact, integer) sum of levels i - 1 and i, so a value exactly
     * half-way takes the upper level. (ggml's earlier bisection, which compared the two distances
     * in float, agrees on every block of the shared test model.)
     */
    static int nearest(float x) {
        float x2 = x + x;
        int idx = 0;
        for (int step = 8; step > 0; step >>= 1) {
            int j = idx + step;
            if (x2 >= (float) (VALUES[j - 1] + VALUES[j])) {
                idx = j;
            }
        }
        return idx;
    }
}
