package io.jinfer.backend.cpu;

import io.jinfer.api.format.MiniFloats;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * NVFP4 blocks (36 bytes for 64 values: four UE4M3 scale bytes, one per 16 values, then 8 code
 * bytes per sub-block s whose low nibbles are values {@code 16s .. 16s+7} and high nibbles values
 * {@code 16s+8 .. 16s+15}) expanded in registers. Values are the doubled E2M1 integers times half
 * the sub-block's scale, as ggml computes them.
 *
 * <p>With 8 lanes a sub-block's 8 bytes give its low half and its high half directly. With 16
 * lanes one load covers two sub-blocks, and a lane selection puts each sub-block's low nibbles
 * before its high nibbles so that each vector is one sub-block in value order.
 */
final class NVFP4Codec extends RowCodec {
    private static final int BLOCK_BYTES = 36;
    /** For 16 lanes: lanes 0..7 of the low nibbles then lanes 0..7 of the high ones (index + 16). */
    private static final int[] FIRST = new int[16];
    /** For 16 lanes: lanes 8..15 of the low nibbles then lanes 8..15 of the high ones. */
    private static final int[] SECOND = new int[16];

    static {
        for (int i = 0; i < 8; i++) {
            FIRST[i] = i;
            FIRST[8 + i] = 16 + i;
            SECOND[i] = 8 + i;
            SECOND[8 + i] = 24 + i;
        }
    }

    private final Lanes ln;
    private final KBlockBits bits;
    private final NibbleTable values;

    NVFP4Codec(Lanes ln) {
        this.ln = ln;
        this.bits = new KBlockBits(ln);
        this.values = new NibbleTable(ln, NibbleTable.E2M1_DOUBLED);
    }

    private FloatVector lookup(IntVector codes) {
        return (FloatVector) values.lookup(codes).convert(VectorOperators.I2F, 0);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        FloatVector acc = FloatVector.zero(f);
        long p = off;
        int xo = xOff;
        boolean wide = f.length() == 16;
        for (int b = 0, blocks = cols >> 6; b < blocks; b++, p += BLOCK_BYTES, xo += 64) {
            if (wide) {
                for (int s = 0; s < 4; s += 2) {
                    IntVector q = bits.unsigned(w, p + 4 + 8 * s);
                    IntVector lo = q.and(0x0F);
                    IntVector hi = q.lanewise(VectorOperators.LSHR, 4);
                    IntVector first = IntVector.fromArray(ln.ints(), FIRST, 0).selectFrom(lo, hi);
                    IntVector second = IntVector.fromArray(ln.ints(), SECOND, 0).selectFrom(lo, hi);
                    FloatVector s0 = lookup(first).mul(FloatVector.fromArray(f, x, xo + 16 * s));
                    FloatVector s1 = lookup(second).mul(FloatVector.fromArray(f, x, xo + 16 * s + 16));
                    acc = s0.fma(FloatVector.broadcast(f, MiniFloats.ue4m3Half(KBlockBits.u8(w, p + s))), acc);
                    acc = s1.fma(FloatVector.broadcast(f, MiniFloats.ue4m3Half(KBlockBits.u8(w, p + s + 1))), acc);
                }
            } else {
                for (int s = 0; s < 4; s++) {
                    IntVector q = bits.unsigned(w, p + 4 + 8 * s);
                    FloatVector sum = lookup(q.and(0x0F)).mul(FloatVector.fromArray(f, x, xo + 16 * s));
                    sum = lookup(q.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(f, x, xo + 16 * s + 8),
                            sum);
                    acc = sum.fma(FloatVector.broadcast(f, MiniFloats.ue4m3Half(KBlockBits.u8(w, p + s))), acc);
                }
            }
        }
        return Lanes.sum(acc);
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        VectorSpecies<Float> f = ln.floats();
        long p = off;
        int o = dstOff;
        boolean wide = f.length() == 16;
        for (int b = 0, blocks = cols >> 6; b < blocks; b++, p += BLOCK_BYTES, o += 64) {
            if (wide) {
                for (int s = 0; s < 4; s += 2) {
                    IntVector q = bits.unsigned(w, p + 4 + 8 * s);
                    IntVector lo = q.and(0x0F);
                    IntVector hi = q.lanewise(VectorOperators.LSHR, 4);
                    IntVector first = IntVector.fromArray(ln.ints(), FIRST, 0).selectFrom(lo, hi);
                    IntVector second = IntVector.fromArray(ln.ints(), SECOND, 0).selectFrom(lo, hi);
                    lookup(first).mul(MiniFloats.ue4m3Half(KBlockBits.u8(w, p + s))).intoArray(dst, o + 16 * s);
                    lookup(second).mul(MiniFloats.ue4m3Half(KBlockBits.u8(w, p + s + 1)))
                            .intoArray(dst, o + 16 * s + 16);
                }
            } else {
                for (int s = 0; s < 4; s++) {
                    IntVector q = bits.unsigned(w, p + 4 + 8 * s);
                    float half = MiniFloats.ue4m3Half(KBlockBits.u8(w, p + s));
                    lookup(q.and(0x0F)).mul(half).intoArray(dst, o + 16 * s);
                    lookup(q.lanewise(VectorOperators.LSHR, 4)).mul(half).intoArray(dst, o + 16 * s + 8);
                }
            }
        }
    }
}
