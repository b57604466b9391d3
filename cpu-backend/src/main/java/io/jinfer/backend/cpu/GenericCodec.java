package io.jinfer.backend.cpu;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ReferenceDequantizer;
import java.lang.foreign.MemorySegment;

/**
 * Any format {@link ReferenceDequantizer} can expand: the row is expanded into the per-thread
 * buffer, then multiplied with vector code. Formats added to the reference later run here at once.
 */
final class GenericCodec extends RowCodec {
    private final QuantFormat format;
    private final DenseMath math;

    GenericCodec(QuantFormat format, DenseMath math) {
        this.format = format;
        this.math = math;
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        ReferenceDequantizer.dequantize(format, w, off, cols, scratch, 0);
        return math.dot(scratch, 0, x, xOff, cols);
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        ReferenceDequantizer.dequantize(format, w, off, cols, dst, dstOff);
    }
}
