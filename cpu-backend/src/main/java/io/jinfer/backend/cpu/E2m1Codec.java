package io.jinfer.backend.cpu;

import io.jinfer.api.format.E2m1;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * FP4 E2M1 codes, two per byte (element 2i in the low nibble), scaled by a
 * {@link io.jinfer.api.spi.WeightScales} grid: NVFP4 (E4M3 per 16 and a global scale) and MXFP4
 * (E8M0 per 32) checkpoints. Each byte goes through two 256-entry tables, one per nibble, so a
 * pair of values costs one byte load.
 */
final class E2m1Codec extends ScaledCodec {
    private static final float[] LOW = new float[256];
    private static final float[] HIGH = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            LOW[b] = E2m1.toFloat(b);
            HIGH[b] = E2m1.toFloat(b >>> 4);
        }
    }

    E2m1Codec(DenseMath math) {
        super(math);
    }

    @Override
    int columnAt(long within) {
        return (int) (2 * within);
    }

    @Override
    void expand(MemorySegment w, long rowStart, int col, int len, float factor, float[] dst, int o) {
        int i = 0;
        if ((col & 1) != 0) {
            // a cell that starts mid-byte (odd column blocks): its first value is a high nibble
            dst[o] = HIGH[byteAt(w, rowStart, col)] * factor;
            i = 1;
        }
        for (; i + 2 <= len; i += 2) {
            int b = byteAt(w, rowStart, col + i);
            dst[o + i] = LOW[b] * factor;
            dst[o + i + 1] = HIGH[b] * factor;
        }
        if (i < len) {
            dst[o + i] = LOW[byteAt(w, rowStart, col + i)] * factor;
        }
    }

    private static int byteAt(MemorySegment w, long rowStart, int col) {
        return w.get(ValueLayout.JAVA_BYTE, rowStart + (col >>> 1)) & 0xFF;
    }
}
