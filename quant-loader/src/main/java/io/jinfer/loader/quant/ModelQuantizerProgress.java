package io.jinfer.loader.quant;

/**
 * Where a {@link ModelQuantizer} run stands.
 *
 * @param tensor the tensor being written, counted from 1
 * @param tensorCount tensors in the model
 * @param tensorName the name of the tensor being written
 * @param bytesRead bytes of input tensor data processed so far
 * @param bytesTotal bytes of input tensor data in all
 * @param bytesWritten bytes of output tensor data written so far
 * @param nanos time since the run started
 */
public record ModelQuantizerProgress(int tensor, int tensorCount, String tensorName, long bytesRead,
        long bytesTotal, long bytesWritten, long nanos) {

    /**
     * Returns how far the run is, by input bytes.
     *
     * @return the share of input data processed, from 0 to 1 (1 when there is no data)
     */
    public double fraction() {
        return bytesTotal == 0 ? 1 : (double) bytesRead / bytesTotal;
    }

    /**
     * Returns the average input throughput since the run started.
     *
     * @return input data processed per second, in MB (10^6 bytes); 0 before any time has passed
     */
    public double megabytesPerSecond() {
        return nanos == 0 ? 0 : bytesRead / 1e6 / (nanos / 1e9);
    }
}
