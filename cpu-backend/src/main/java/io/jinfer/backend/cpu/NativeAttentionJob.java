package io.jinfer.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Attention by the native kernel as a worker-pool job over items of a few query rows and one KV head,
 * with the query heads that share it: each chunk is one call with the running thread's score buffer.
 * Fields are set before each run.
 */
final class NativeAttentionJob implements WorkerPool.Task {
    private final Scratch scores;

    MethodHandle kernel;
    MemorySegment keyPages;
    MemorySegment valuePages;
    int pageSize;
    long rowElements;
    boolean half;
    float[] q;
    float[] out;
    int n;
    int startPos;
    int positions;
    int heads;
    int group;
    int headDim;
    float scale;

    NativeAttentionJob(Scratch scores) {
        this.scores = scores;
    }

    @Override
    public void run(int thread, int start, int end) {
        float[] s = scores.floats(thread, NativeKernels.ATTENTION_ROWS * group * positions);
        try {
            kernel.invokeExact(keyPages, valuePages, pageSize, rowElements, half ? 1 : 0, MemorySegment.ofArray(q),
                    MemorySegment.ofArray(out), n, startPos, heads, group, headDim, scale, start, end,
                    MemorySegment.ofArray(s));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native attention failed", t);
        }
    }
}
