package io.jinfer.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Field readers shared by the K-quant codecs: quant bytes widened to int lanes, and the small
 * integer sub-block scales, read as {@link io.jinfer.api.format.ReferenceDequantizer} defines them
 * (ggml's block layouts). Scales are read as scalars: there are at most 16 per 256 values.
 */
final class KBlockBits {
    private final Lanes ln;

    KBlockBits(Lanes ln) {
        this.ln = ln;
    }

    /** @return {@code lanes} bytes at {@code at} widened to int lanes without sign (0..255) */
    IntVector unsigned(MemorySegment w, long at) {
        return (IntVector) ByteVector.fromMemorySegment(ln.bytes(), w, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, ln.ints(), 0);
    }

    /** @return the unsigned byte at {@code at} */
    static int u8(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    /** @return the signed byte at {@code at} */
    static int i8(MemorySegment w, long at) {
        return w.get(ValueLayout.JAVA_BYTE, at);
    }

    /**
     * Q4_K/Q5_K: the 6-bit scale of sub-block {@code j} (0..7) in the 12-byte area at {@code scales}.
     * For j &lt; 4 it is the low 6 bits of byte j; otherwise the low nibble of byte j + 4 with the
     * top two bits of byte j - 4 above it.
     */
    static int scaleK4(MemorySegment w, long scales, int j) {
        if (j < 4) {
            return u8(w, scales + j) & 63;
        }
        return (u8(w, scales + j + 4) & 0xF) | ((u8(w, scales + j - 4) >>> 6) << 4);
    }

    /**
     * Q4_K/Q5_K: the 6-bit minimum of sub-block {@code j}: low 6 bits of byte j + 4 for j &lt; 4,
     * otherwise the high nibble of byte j + 4 with the top two bits of byte j above it.
     */
    static int minK4(MemorySegment w, long scales, int j) {
        if (j < 4) {
            return u8(w, scales + j + 4) & 63;
        }
        return (u8(w, scales + j + 4) >>> 4) | ((u8(w, scales + j) >>> 6) << 4);
    }

    /**
     * Q3_K: the 6-bit scale {@code j} (0..15), still biased by 32: low nibble from byte j (j &lt; 8)
     * or the high nibble of byte j - 8, top two bits from byte 8 + j % 4 at bit 2 (j / 4).
     */
    static int scaleQ3(MemorySegment w, long scales, int j) {
        int low = j < 8 ? u8(w, scales + j) & 0xF : u8(w, scales + j - 8) >>> 4;
        int high = (u8(w, scales + 8 + (j & 3)) >>> (2 * (j >>> 2))) & 3;
        return low | (high << 4);
    }
}
