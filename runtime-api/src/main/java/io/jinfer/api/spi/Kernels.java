package io.jinfer.api.spi;

/**
 * The operations of a transformer forward pass, as one backend implements them. Activations are F32
 * arrays laid out row by row ({@code n} rows of {@code dim} values); weights stay in their own format
 * and are never expanded into an F32 copy.
 *
 * <p>Every method runs to completion before it returns. Implementations must not allocate per call
 * on their hot paths. A {@code Kernels} instance is used by one thread at a time (it may use worker
 * threads of its own internally).
 */
public interface Kernels extends AutoCloseable {

    /**
     * Describes this kernel set for logs and benchmark reports.
     *
     * @return a short description, e.g. {@code "vector (256-bit), 2 threads"}
     */
    String description();

    /**
     * Matrix product with the weight's rows: {@code out[t*rows + r] = Σ_c W[r][c] · x[t*cols + c]}.
     *
     * @param weight a rows × cols tensor in any supported format
     * @param x {@code n} rows of {@code cols} values
     * @param out receives {@code n} rows of {@code rows} values
     * @param n number of activation rows (tokens)
     */
    void matmul(TensorView weight, float[] x, float[] out, int n);

    /**
     * Expands one row of a weight (an embedding lookup).
     *
     * @param table the tensor
     * @param row the row index
     * @param out receives {@code table.columns()} values
     * @param outOffset where in {@code out} they go
     */
    void dequantizeRow(TensorView table, int row, float[] out, int outOffset);

    /**
     * RMS normalisation of {@code n} rows of {@code dim} values, each multiplied by {@code weight}.
     *
     * @param x input rows
     * @param out output rows (may be {@code x})
     * @param n rows
     * @param dim values per row; {@code weight} has that many values
     * @param weight F32 scale vector
     * @param eps added to the mean square
     */
    void rmsNorm(float[] x, float[] out, int n, int dim, TensorView weight, float eps);

    /**
     * Adds a vector to each of {@code n} rows (biases).
     *
     * @param x rows, updated in place
     * @param n rows
     * @param vector F32 vector of {@code dim} values
     */
    void addVector(float[] x, int n, TensorView vector);

    /**
     * {@code dst[i] += src[i]} for {@code i < length}.
     *
     * @param dst updated in place
     * @param src added
     * @param length number of values
     */
    void add(float[] dst, float[] src, int length);

    /**
     * Rotary embedding of {@code n} rows of {@code heads * headDim} values; row {@code t} is at position
     * {@code startPos + t}.
     *
     * @param x rows, updated in place
     * @param n rows
     * @param heads heads per row
     * @param headDim values per head
     * @param startPos position of the first row
     * @param rope the rope parameters
     */
    void rope(float[] x, int n, int heads, int headDim, int startPos, RopeSpec rope);

    /**
     * Writes {@code n} rows of keys or values into a KV cache, converting to its format.
     *
     * @param src {@code n} rows of {@code layer.rowElements()} values
     * @param n rows
     * @param layer the cache layer
     * @param keys {@code true} for the key cache, {@code false} for the value cache
     * @param startPos position of the first row
     */
    void storeKv(float[] src, int n, KvLayer layer, boolean keys, int startPos);

    /**
     * Causal grouped-query attention of {@code n} query rows: row {@code t} (position
     * {@code startPos + t}) attends to cache positions {@code 0 .. startPos + t}.
     *
     * @param q {@code n} rows of {@code heads * headDim} queries
     * @param n rows
     * @param startPos position of the first row
     * @param layer the cache, already holding positions up to {@code startPos + n - 1}
     * @param shape head layout and scale
     * @param out receives {@code n} rows of {@code heads * headDim}
     */
    void attention(float[] q, int n, int startPos, KvLayer layer, AttentionShape shape, float[] out);

    /**
     * SwiGLU: {@code gate[i] = silu(gate[i]) * up[i]}.
     *
     * @param gate updated in place
     * @param up multiplied in
     * @param length number of values
     */
    void swiglu(float[] gate, float[] up, int length);

    /** Stops worker threads, if any. */
    @Override
    void close();
}
