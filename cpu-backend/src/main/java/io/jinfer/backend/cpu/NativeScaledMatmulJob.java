package io.jinfer.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A matrix product of {@code n} tokens with FP8 weights scaled by a grid of factors, by the native
 * kernel, as a worker-pool job: like {@link NativeMatmulJob}, each chunk of rows is one call for
 * every token and each (row, token) result is computed whole by one thread in a fixed order. Fields
 * are set before each run; running allocates nothing.
 */
final class NativeScaledMatmulJob implements WorkerPool.Task {
    MethodHandle kernel;
    MemorySegment weights;
    long rowBytes;
    int columns;
    int n;
    MemorySegment activations;
    MemorySegment factors;
    int rowBlock;
    int columnBlock;
    int gridColumns;
    MemorySegment out;
    int outStride;

    @Override
    public void run(int thread, int start, int end) {
        try {
            kernel.invokeExact(weights, rowBytes, start, end, columns, n, activations, factors, rowBlock, columnBlock,
                    gridColumns, out, outStride);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native scaled matmul failed", t);
        }
    }
}
