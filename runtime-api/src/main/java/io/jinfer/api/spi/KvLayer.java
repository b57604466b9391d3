package io.jinfer.api.spi;

import io.jinfer.api.QuantFormat;
import java.lang.foreign.MemorySegment;

/**
 * One layer's slice of a session's KV cache: position {@code p} of the keys starts at element
 * {@code p * rowElements}; the values likewise.
 *
 * @param keys key rows
 * @param values value rows
 * @param format {@link QuantFormat#F32} or {@link QuantFormat#F16}
 * @param rowElements elements per position ({@code kvHeads * headDim})
 * @param capacity positions held
 */
public record KvLayer(MemorySegment keys, MemorySegment values, QuantFormat format, int rowElements, int capacity) {
    /** Checks the sizes. */
    public KvLayer {
        if (format != QuantFormat.F32 && format != QuantFormat.F16) {
            throw new IllegalArgumentException("KV cache format must be F32 or F16, got " + format);
        }
        long need = (long) rowElements * capacity * (format == QuantFormat.F32 ? 4 : 2);
        if (keys.byteSize() < need || values.byteSize() < need) {
            throw new IllegalArgumentException("KV segments hold less than " + need + " bytes");
        }
    }
}
