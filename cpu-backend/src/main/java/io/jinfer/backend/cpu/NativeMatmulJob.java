package io.jinfer.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A one-token matrix product by a native kernel, as a worker-pool job: each chunk of rows is one
 * native call, and each row is computed whole by one thread, so results do not depend on the number
 * of threads. Fields are set before each run; running allocates nothing.
 */
final class NativeMatmulJob implements WorkerPool.Task {
    MethodHandle kernel;
    MemorySegment weights;
    long rowBytes;
    int blocks;
    MemorySegment quants;
    MemorySegment scales;
    MemorySegment out;

    @Override
    public void run(int thread, int start, int end) {
        try {
            kernel.invokeExact(weights, rowBytes, start, end, blocks, quants, scales, out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native matmul failed", t);
        }
    }
}
