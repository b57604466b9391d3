package io.jinfer.backend.cpu;

/**
 * Per-thread float buffers. Each pool thread only touches its own slot, so no locking is needed;
 * a buffer grows when a larger shape first needs it and is reused from then on (no allocation in
 * the steady state).
 */
final class Scratch {
    private final float[][] buffers;

    Scratch(int threads) {
        this.buffers = new float[threads][];
    }

    /**
     * @param thread pool thread index
     * @param size floats needed
     * @return that thread's buffer, at least {@code size} long
     */
    float[] floats(int thread, int size) {
        float[] b = buffers[thread];
        if (b == null || b.length < size) {
            b = new float[Math.max(size, b == null ? 0 : b.length + b.length / 2)];
            buffers[thread] = b;
        }
        return b;
    }
}
