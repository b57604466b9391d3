package io.jinfer.loader.quant;

/**
 * Follows a {@link ModelQuantizer} run. Both methods are called on the thread that called
 * {@link ModelQuantizer#quantize}, between batches of rows, so they should return quickly; an
 * exception thrown by either aborts the run (and no output file is written).
 */
public interface ModelQuantizerListener {
    /** A listener that ignores everything. */
    ModelQuantizerListener NONE = new ModelQuantizerListener() {};

    /**
     * Called after each batch of rows (a few MB) and after each copied chunk.
     *
     * @param progress where the run stands
     */
    default void progress(ModelQuantizerProgress progress) {}

    /**
     * Called when a tensor is completely written.
     *
     * @param tensor what was written and its error
     * @param progress where the run stands, with the tensor counted as done
     */
    default void tensorDone(ModelQuantizerReport.TensorStats tensor, ModelQuantizerProgress progress) {}
}
