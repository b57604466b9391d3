package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * IQ4_XS super-blocks (136 bytes for 256 values: F16 d, 16-bit scales_h, 4 bytes scales_l, then 8
 * sub-blocks of 32 values laid out as IQ4_NL) expanded in registers. Sub-block ib has a 6-bit scale
 * biased by 32 (low nibble ib % 2 of scales_l byte ib / 2, top two bits at bit 2 ib of scales_h);
 * {@code v = (d (ls - 32)) level(q)}.
 */
final class IQ4_XSCodec extends RowCodec {
    private static final int BLOCK_BYTES = 136;
    private final Lanes ln;
    private final KBlockBits bits;
    private final NibbleTable levels;

    IQ4_XSCodec(Lanes ln) {
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

    /** @return the float scale of sub-block {@code ib} of the super-block at {@code p} */
    private static float scale(MemorySegment w, long p, float d, int ib) {
        int low = (KBlockBits.u8(w, p + 4 + (ib >> 1)) >>> (4 * (ib & 1))) & 0xF;
        int high = ((w.get(LittleEndian.SHORT, p + 2) & 0xFFFF) >>> (2 * ib)) & 3;
        return d * ((low | (high << 4)) - 32);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, xo += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            for (int ib = 0; ib < 8; ib++) {
                long qs = p + 8 + 16 * ib;
                int x0 = xo + 32 * ib;
                FloatVector sum = FloatVector.zero(f);
                for (int s = 0; s < 16; s += step) {
                    IntVector q = bits.unsigned(w, qs + s);
                    sum = low(q).fma(FloatVector.fromArray(f, x, x0 + s), sum);
                    sum = high(q).fma(FloatVector.fromArray(f, x, x0 + 16 + s), sum);
                }
                acc = sum.fma(FloatVector.broadcast(f, scale(w, p, d, ib)), acc);
            }
        }
        return Lanes.sum(acc);
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, o += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p));
            for (int ib = 0; ib < 8; ib++) {
                float dl = scale(w, p, d, ib);
                long qs = p + 8 + 16 * ib;
                int o0 = o + 32 * ib;
                for (int s = 0; s < 16; s += step) {
                    IntVector q = bits.unsigned(w, qs + s);
                    low(q).mul(dl).intoArray(dst, o0 + s);
                    high(q).mul(dl).intoArray(dst, o0 + 16 + s);
                }
            }
        }
    }
}
