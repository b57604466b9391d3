package io.jinfer.backend.cpu;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.MiniFloats;
import io.jinfer.api.format.ReferenceDequantizer;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.IntVector;

/**
 * A table of 16 small integers indexed by 4-bit codes, looked up in registers: the codes select
 * lanes from two table vectors (lanes {@code 0..L-1} and {@code L..2L-1} of the table repeated to
 * 32 entries), which covers all 16 entries with 8 lanes and 16 lanes alike.
 */
final class NibbleTable {
    /** IQ4_NL / IQ4_XS levels, read from the reference (an IQ4_NL block with d = 1 and codes 0..15). */
    static final int[] IQ4_LEVELS = iq4Levels();
    /** E2M1 values doubled, as ggml keeps them (exact small integers). */
    static final int[] E2M1_DOUBLED = e2m1Doubled();

    private final Lanes ln;
    private final int[] table;

    /**
     * @param ln the lanes
     * @param entries the 16 values
     */
    NibbleTable(Lanes ln, int[] entries) {
        if (entries.length != 16) {
            throw new IllegalArgumentException("a nibble table has 16 entries, got " + entries.length);
        }
        this.ln = ln;
        this.table = new int[32];
        for (int i = 0; i < 32; i++) {
            table[i] = entries[i & 15];
        }
    }

    /** @return the entries the codes (0..15) select */
    IntVector lookup(IntVector codes) {
        IntVector first = IntVector.fromArray(ln.ints(), table, 0);
        IntVector second = IntVector.fromArray(ln.ints(), table, ln.length());
        return codes.selectFrom(first, second);
    }

    private static int[] iq4Levels() {
        byte[] block = new byte[18];
        block[1] = 0x3C; // F16 1.0 (0x3C00), little-endian
        for (int j = 0; j < 16; j++) {
            block[2 + j] = (byte) j;
        }
        float[] values = new float[32];
        ReferenceDequantizer.dequantize(QuantFormat.IQ4_NL, MemorySegment.ofArray(block), 0, 32, values, 0);
        int[] levels = new int[16];
        for (int j = 0; j < 16; j++) {
            levels[j] = (int) values[j];
        }
        return levels;
    }

    private static int[] e2m1Doubled() {
        int[] v = new int[16];
        for (int j = 0; j < 16; j++) {
            v[j] = MiniFloats.e2m1Doubled(j);
        }
        return v;
    }
}
