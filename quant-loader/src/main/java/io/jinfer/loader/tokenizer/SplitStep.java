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
    default IntList split(int[] cps, IntList spans) {
        IntList out = new IntList(spans.size() * 4);
        int start = 0;
        for (int s = 0; s < spans.size(); s++) {
            int end = start + spans.get(s);
            splitRange(cps, start, end, out);
            start = end;
        }
        return out;
    }

    /**
     * Cuts one span into finer spans.
     *
     * @param cps the input's code points
     * @param from first code point of the span
     * @param to end of the span (exclusive)
     * @param out receives the lengths of the finer spans, which together cover {@code [from, to)}
     */
    void splitRange(int[] cps, int from, int to, IntList out);
}
