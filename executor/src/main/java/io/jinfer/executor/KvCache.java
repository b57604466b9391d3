package io.jinfer.executor;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.KvLayer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A session's keys and values for every layer, off-heap in one shared arena (closed with the session). */
final class KvCache implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final KvLayer[] layers;

    KvCache(ModelConfig c, int capacity, QuantFormat format) {
        int bytesPerValue = format == QuantFormat.F32 ? 4 : 2;
        long layerBytes = (long) capacity * c.kvDim() * bytesPerValue;
        layers = new KvLayer[c.layers()];
        try {
            for (int i = 0; i < layers.length; i++) {
                MemorySegment k = arena.allocate(layerBytes, 64);
                MemorySegment v = arena.allocate(layerBytes, 64);
                layers[i] = new KvLayer(k, v, format, c.kvDim(), capacity);
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    static long bytesFor(ModelConfig c, int capacity, QuantFormat format) {
        return 2L * c.layers() * capacity * c.kvDim() * (format == QuantFormat.F32 ? 4 : 2);
    }

    KvLayer layer(int i) {
        return layers[i];
    }

    @Override
    public void close() {
        arena.close();
    }
}
