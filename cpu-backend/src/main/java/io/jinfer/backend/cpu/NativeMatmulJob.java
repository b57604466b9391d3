package io.jinfer.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A matrix product of {@code n} tokens by a native kernel, as a worker-pool job: each chunk of rows is
 * one native call for every token, and each (row, token) result is computed whole by one thread in a
 * fixed order, so results do not depend on the number of threads or tokens. Fields are set before
 * each run; running allocates nothing.
 */
final class NativeMatmulJob implements WorkerPool.Task {
    MethodHandle kernel;
    MemorySegment weights;
    long rowBytes;
    int blocks;
    int n;
    int outStride;
    MemorySegment quants;
    MemorySegment scales;
    MemorySegment out;

    @Override
    public void run(int thread, int start, int end) {
        try {
            kernel.invokeExact(weights, rowBytes, start, end, blocks, n, quants, scales, out, outStride);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native matmul failed", t);
        }
    }
}
