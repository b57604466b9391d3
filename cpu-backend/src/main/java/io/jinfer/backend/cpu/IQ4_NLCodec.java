package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * IQ4_NL blocks (F16 d, 16 bytes of nibbles laid out as Q4_0) expanded in registers: each nibble
 * selects one of 16 non-linear levels ({@link NibbleTable}), {@code v = d * level}.
 */
final class IQ4_NLCodec extends RowCodec {
    private static final int BLOCK_BYTES = 18;
    private final Lanes ln;
    private final KBlockBits bits;
    private final NibbleTable levels;

    IQ4_NLCodec(Lanes ln) {
        this.ln = ln;
        this.bits = new KBlockBits(ln);
        this.levels = new NibbleTable(ln, NibbleTable.IQ4_LEVELS);
    }

    private FloatVector low(IntVector q) {
        return (FloatVector) levels.lookup(q.and(0x0F)).convert(VectorOperators.I2F, 0);
    }

    private FloatVector high(IntVector q) {
        return (FloatVector) levels.lookup(q.lanewise(VectorOperators.LSHR, 4)).convert(VectorOperators.I2F, 0);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, xo += 32) {
            FloatVector sum = FloatVector.zero(f);
            for (int s = 0; s < 16; s += step) {
                IntVector q = bits.unsigned(w, p + 2 + s);
                sum = low(q).fma(FloatVector.fromArray(f, x, xo + s), sum);
                sum = high(q).fma(FloatVector.fromArray(f, x, xo + 16 + s), sum);
            }
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            acc = sum.fma(FloatVector.broadcast(f, d), acc);
        }
        return Lanes.sum(acc);
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, o += 32) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            for (int s = 0; s < 16; s += step) {
                IntVector q = bits.unsigned(w, p + 2 + s);
                low(q).mul(d).intoArray(dst, o + s);
                high(q).mul(d).intoArray(dst, o + 16 + s);
            }
        }
    }
}
