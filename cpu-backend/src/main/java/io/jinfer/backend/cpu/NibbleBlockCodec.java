package io.jinfer.backend.cpu;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Blocks of 32 values laid out as Q4_0 (a scale header, then 16 bytes whose low nibbles are values
 * 0..15 and high nibbles 16..31), where each nibble selects one of 16 values from a table held in
 * registers ({@link NibbleTable}) and the block's value is {@code table[nibble] * scale}. IQ4_NL and
 * MXFP4 differ only in the header and the table; the vector loops are shared here and stay
 * monomorphic, only the per-block scalar {@link #scale} is format-specific.
 */
abstract class NibbleBlockCodec extends RowCodec {
    private final Lanes ln;
    private final KBlockBits bits;
    private final NibbleTable values;
    private final int headerBytes;
    private final int blockBytes;

    NibbleBlockCodec(Lanes ln, int[] table, int headerBytes) {
        this.ln = ln;
        this.bits = new KBlockBits(ln);
        this.values = new NibbleTable(ln, table);
        this.headerBytes = headerBytes;
        this.blockBytes = headerBytes + 16;
    }

    /** @return the factor of the block starting at byte {@code p} */
    abstract float scale(MemorySegment w, long p);

    private FloatVector low(IntVector q) {
        return (FloatVector) values.lookup(q.and(0x0F)).convert(VectorOperators.I2F, 0);
    }

    private FloatVector high(IntVector q) {
        return (FloatVector) values.lookup(q.lanewise(VectorOperators.LSHR, 4)).convert(VectorOperators.I2F, 0);
    }

    @Override
    final float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += blockBytes, xo += 32) {
            FloatVector sum = FloatVector.zero(f);
            for (int s = 0; s < 16; s += step) {
                IntVector q = bits.unsigned(w, p + headerBytes + s);
                sum = low(q).fma(FloatVector.fromArray(f, x, xo + s), sum);
                sum = high(q).fma(FloatVector.fromArray(f, x, xo + 16 + s), sum);
            }
            acc = sum.fma(FloatVector.broadcast(f, scale(w, p)), acc);
        }
        return Lanes.sum(acc);
    }

    @Override
    final void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += blockBytes, o += 32) {
            float scale = scale(w, p);
            for (int s = 0; s < 16; s += step) {
                IntVector q = bits.unsigned(w, p + headerBytes + s);
                low(q).mul(scale).intoArray(dst, o + s);
                high(q).mul(scale).intoArray(dst, o + 16 + s);
            }
        }
    }
}
