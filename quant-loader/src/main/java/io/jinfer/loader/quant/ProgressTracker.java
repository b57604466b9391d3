package io.jinfer.loader.quant;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts what a {@link ModelQuantizer} run has done, tells its listener, and collects the
 * per-tensor results. Used only by the thread that writes the file.
 */
final class ProgressTracker {
    private final ModelQuantizerListener listener;
    private final int tensorCount;
    private final long bytesTotal;
    private final long start = System.nanoTime();
    private final List<ModelQuantizerReport.TensorStats> done = new ArrayList<>();
    private int tensor;
    private String tensorName = "";
    private long bytesRead;
    private long bytesWritten;

    /**
     * @param listener told about every step
     * @param plans every tensor of the run
     */
    /**
     * @param listener told about progress
     * @param tensorCount tensors to write
     * @param bytesTotal bytes to read
     */
    ProgressTracker(ModelQuantizerListener listener, int tensorCount, long bytesTotal) {
        this.listener = listener;
        this.tensorCount = tensorCount;
        this.bytesTotal = bytesTotal;
    }

    ProgressTracker(ModelQuantizerListener listener, List<TensorPlan> plans) {
        this.listener = listener;
        this.tensorCount = plans.size();
        long total = 0;
        for (TensorPlan p : plans) {
            total += p.info().byteSize();
        }
        this.bytesTotal = total;
    }

    /** @param name the tensor now being written */
    void startTensor(String name) {
        tensor++;
        tensorName = name;
    }

    /**
     * @param in input bytes just processed
     * @param out output bytes just written
     */
    void advance(long in, long out) {
        bytesRead += in;
        bytesWritten += out;
        listener.progress(snapshot());
    }

    /** @param stats the tensor just finished */
    void tensorDone(ModelQuantizerReport.TensorStats stats) {
        done.add(stats);
        listener.tensorDone(stats, snapshot());
    }

    /** @return the finished tensors, in the order written */
    List<ModelQuantizerReport.TensorStats> tensors() {
        return List.copyOf(done);
    }

    private ModelQuantizerProgress snapshot() {
        return new ModelQuantizerProgress(tensor, tensorCount, tensorName, bytesRead, bytesTotal, bytesWritten,
                System.nanoTime() - start);
    }
}
