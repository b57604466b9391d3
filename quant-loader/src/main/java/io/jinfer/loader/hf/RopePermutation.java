package io.jinfer.loader.hf;

/**
 * The row order llama.cpp's converter gives the Q and K projections of llama-family models. Hugging
 * Face checkpoints rotate the two halves of each head ("rotate half", NEOX rope), GGUF files rotate
 * adjacent pairs (NORM rope): within each head of {@code d} rows, GGUF row {@code 2i + j} is HF row
 * {@code j * d/2 + i} ({@code j} in {0, 1}, {@code i < d/2}). The same permutation applies to a
 * bias, element by element.
 *
 * @param heads heads the rows are split into ({@code num_attention_heads} for Q,
 *     {@code num_key_value_heads} for K)
 * @param toGguf whether rows are read in HF order and written in GGUF order ({@code false}: back)
 */
public record RopePermutation(int heads, boolean toGguf) {

    /**
     * Checks the head count.
     *
     * @throws IllegalArgumentException when it is not positive
     */
    public RopePermutation {
        if (heads < 1) {
            throw new IllegalArgumentException("heads must be positive, got " + heads);
        }
    }

    /**
     * Checks that a tensor of {@code rows} rows splits into heads of an even number of rows.
     *
     * @param rows rows of the tensor (output channels, or elements of a bias)
     * @return whether the permutation applies
     */
    public boolean fits(long rows) {
        return rows % heads == 0 && (rows / heads) % 2 == 0;
    }

    /**
     * Returns the row of the source that becomes row {@code row} of the result.
     *
     * @param row a row of the result
     * @param rows rows of the whole tensor, a multiple of {@code 2 * heads}
     * @return the row to read
     */
    public long sourceRow(long row, long rows) {
        long headDim = rows / heads;
        long half = headDim / 2;
        long head = row / headDim;
        long k = row % headDim;
        long within = toGguf ? (k % 2) * half + k / 2 : 2 * (k % half) + k / half;
        return head * headDim + within;
    }
}
