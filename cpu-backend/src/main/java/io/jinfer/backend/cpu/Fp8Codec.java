package io.jinfer.backend.cpu;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.Fp8;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** FP8 (E4M3 or E5M2) codes, one byte per value, scaled by a {@link io.jinfer.api.spi.WeightScales} grid. */
final class Fp8Codec extends ScaledCodec {
    /** The 256 values of the format, indexed by code. */
    private final float[] table;

    Fp8Codec(QuantFormat format, DenseMath math) {
        super(math);
        this.table = switch (format) {
            case F8_E4M3 -> Fp8.e4m3Table();
            case F8_E5M2 -> Fp8.e5m2Table();
            default -> throw new IllegalArgumentException(format + " is not an FP8 format");
        };
    }

    @Override
    int columnAt(long within) {
        return (int) within;
    }

    @Override
    void expand(MemorySegment w, long rowStart, int col, int len, float factor, float[] dst, int o) {
        float[] t = table;
        long p = rowStart + col;
        for (int i = 0; i < len; i++) {
            dst[o + i] = t[w.get(ValueLayout.JAVA_BYTE, p + i) & 0xFF] * factor;
        }
    }
}
