package io.jinfer.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Unpacking shared by Q5_0 and Q5_1: value {@code j} of a block is its nibble (low nibbles of the 16
 * bytes for {@code j < 16}, high nibbles after) plus bit {@code j} of the 32-bit word {@code qh}
 * as its fifth bit.
 */
final class FiveBits {
    /** Lane index → bit of {@code qh}, loaded as shift counts. */
    private static final int[] BIT = new int[48];

    static {
        for (int i = 0; i < BIT.length; i++) {
            BIT[i] = i;
        }
    }

    private final Lanes ln;

    FiveBits(Lanes ln) {
        this.ln = ln;
    }

    /** @return the bytes at {@code at} widened to int lanes (sign-extended; callers mask) */
    IntVector packed(MemorySegment w, long at) {
        return (IntVector) ByteVector.fromMemorySegment(ln.bytes(), w, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, ln.ints(), 0);
    }

    /** @return values {@code s .. s+lanes-1} (0..31) from low nibbles and {@code qh} broadcast */
    IntVector low(IntVector q, IntVector qh, int s) {
        IntVector fifth = qh.lanewise(VectorOperators.LSHR, IntVector.fromArray(ln.ints(), BIT, s)).and(1);
        return q.and(0x0F).or(fifth.lanewise(VectorOperators.LSHL, 4));
    }

    /** @return values {@code 16+s .. 16+s+lanes-1} (0..31) from high nibbles */
    IntVector high(IntVector q, IntVector qh, int s) {
        IntVector fifth = qh.lanewise(VectorOperators.LSHR, IntVector.fromArray(ln.ints(), BIT, 16 + s)).and(1);
        return q.lanewise(VectorOperators.ASHR, 4).and(0x0F).or(fifth.lanewise(VectorOperators.LSHL, 4));
    }
}
