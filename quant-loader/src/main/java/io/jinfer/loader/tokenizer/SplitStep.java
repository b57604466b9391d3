package io.jinfer.loader.tokenizer;

/**
 * One stage of a pre-tokenizer: it cuts every span left by the previous stage into smaller spans.
 * Spans are given as lengths in code points that together cover the input.
 */
interface SplitStep {
    /**
     * @param cps the input's code points
     * @param spans the current spans (lengths in code points, summing to {@code cps.length})
     * @return the finer spans, in the same form
     */
    IntList split(int[] cps, IntList spans);
}
