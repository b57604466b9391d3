package io.jinfer.backend.cpu;

import io.jinfer.api.format.MiniFloats;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * MXFP4 blocks (one E8M0 scale byte, 16 bytes of E2M1 codes laid out as Q4_0) expanded in
 * registers. As ggml computes them, values are the doubled E2M1 integers ({@link NibbleTable})
 * times half the scale.
 */
final class MXFP4Codec extends RowCodec {
    private static final int BLOCK_BYTES = 17;
    private final Lanes ln;
    private final KBlockBits bits;
    private final NibbleTable values;

    MXFP4Codec(Lanes ln) {
        this.ln = ln;
        this.bits = new KBlockBits(ln);
        this.values = new NibbleTable(ln, NibbleTable.E2M1_DOUBLED);
    }

    private FloatVector low(IntVector q) {
        return (FloatVector) values.lookup(q.and(0x0F)).convert(VectorOperators.I2F, 0);
    }

    private FloatVector high(IntVector q) {
        return (FloatVector) values.lookup(q.lanewise(VectorOperators.LSHR, 4)).convert(VectorOperators.I2F, 0);
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
                IntVector q = bits.unsigned(w, p + 1 + s);
                sum = low(q).fma(FloatVector.fromArray(f, x, xo + s), sum);
                sum = high(q).fma(FloatVector.fromArray(f, x, xo + 16 + s), sum);
            }
            float halfScale = MiniFloats.e8m0Half(KBlockBits.u8(w, p));
            acc = sum.fma(FloatVector.broadcast(f, halfScale), acc);
        }
        return Lanes.sum(acc);
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 5; b < blocks; b++, p += BLOCK_BYTES, o += 32) {
            float halfScale = MiniFloats.e8m0Half(KBlockBits.u8(w, p));
            for (int s = 0; s < 16; s += step) {
                IntVector q = bits.unsigned(w, p + 1 + s);
                low(q).mul(halfScale).intoArray(dst, o + s);
                high(q).mul(halfScale).intoArray(dst, o + 16 + s);
            }
        }
    }
}
