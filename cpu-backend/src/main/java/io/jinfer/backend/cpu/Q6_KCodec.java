package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K super-blocks (210 bytes for 256 values: 128 bytes of low nibbles, 64 bytes of high bit
 * pairs, 16 signed 8-bit scales, F16 d) expanded in registers. Each half of 128 values is four
 * groups g of 32 that share their bytes: value {@code 32g + l} takes its low nibble from ql byte
 * {@code l + 32 (g % 2)} (low nibble for g &lt; 2) and its top two bits from bits {@code 2g} of qh
 * byte l, so one load of each feeds four groups. A value is {@code (d sc) (q - 32)}, one scale per
 * 16 values; the dot product keeps one partial sum per scale.
 */
final class Q6_KCodec extends RowCodec {
    private static final int BLOCK_BYTES = 210;
    private final Lanes ln;
    private final KBlockBits bits;

    Q6_KCodec(Lanes ln) {
        this.ln = ln;
        this.bits = new KBlockBits(ln);
    }

    /** @return signed values {@code q - 32} from a low nibble (already shifted) and the high bits */
    private static FloatVector value(IntVector low, IntVector high, int shift) {
        IntVector q = low.and(0x0F).or(high.lanewise(VectorOperators.LSHR, shift).and(3).lanewise(VectorOperators.LSHL, 4));
        return (FloatVector) q.sub(32).convert(VectorOperators.I2F, 0);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, xo += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 208));
            for (int h = 0; h < 2; h++) {
                long ql = p + 64 * h;
                long qh = p + 128 + 32 * h;
                int x0 = xo + 128 * h;
                for (int l16 = 0; l16 < 32; l16 += 16) {
                    FloatVector s0 = FloatVector.zero(f);
                    FloatVector s1 = FloatVector.zero(f);
                    FloatVector s2 = FloatVector.zero(f);
                    FloatVector s3 = FloatVector.zero(f);
                    for (int s = l16; s < l16 + 16; s += step) {
                        IntVector a = bits.unsigned(w, ql + s);
                        IntVector c = bits.unsigned(w, ql + 32 + s);
                        IntVector hb = bits.unsigned(w, qh + s);
                        s0 = value(a, hb, 0).fma(FloatVector.fromArray(f, x, x0 + s), s0);
                        s1 = value(c, hb, 2).fma(FloatVector.fromArray(f, x, x0 + 32 + s), s1);
                        s2 = value(a.lanewise(VectorOperators.LSHR, 4), hb, 4)
                                .fma(FloatVector.fromArray(f, x, x0 + 64 + s), s2);
                        s3 = value(c.lanewise(VectorOperators.LSHR, 4), hb, 6)
                                .fma(FloatVector.fromArray(f, x, x0 + 96 + s), s3);
                    }
                    long sc = p + 192 + 8 * h + (l16 >> 4);
                    acc = s0.fma(FloatVector.broadcast(f, d * KBlockBits.i8(w, sc)), acc);
                    acc = s1.fma(FloatVector.broadcast(f, d * KBlockBits.i8(w, sc + 2)), acc);
                    acc = s2.fma(FloatVector.broadcast(f, d * KBlockBits.i8(w, sc + 4)), acc);
                    acc = s3.fma(FloatVector.broadcast(f, d * KBlockBits.i8(w, sc + 6)), acc);
                }
            }
        }
        return Lanes.sum(acc);
    }

    @Override
    void dot2(MemorySegment w, long off0, long off1, int cols, float[] x, float[] sums, float[] scratch,
            float[] out, int o) {
        // each row sees the operations of dot in the same order: results do not depend on pairing
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc0 = FloatVector.zero(f);
        FloatVector acc1 = FloatVector.zero(f);
        long p0 = off0;
        long p1 = off1;
        int xo = 0;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p0 += BLOCK_BYTES, p1 += BLOCK_BYTES, xo += 256) {
            float d0 = Float.float16ToFloat(w.get(LittleEndian.SHORT, p0 + 208));
            float d1 = Float.float16ToFloat(w.get(LittleEndian.SHORT, p1 + 208));
            for (int h = 0; h < 2; h++) {
                int x0 = xo + 128 * h;
                for (int l16 = 0; l16 < 32; l16 += 16) {
                    FloatVector s00 = FloatVector.zero(f), s01 = s00, s02 = s00, s03 = s00;
                    FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
                    for (int s = l16; s < l16 + 16; s += step) {
                        FloatVector xa = FloatVector.fromArray(f, x, x0 + s);
                        FloatVector xb = FloatVector.fromArray(f, x, x0 + 32 + s);
                        FloatVector xc = FloatVector.fromArray(f, x, x0 + 64 + s);
                        FloatVector xd = FloatVector.fromArray(f, x, x0 + 96 + s);
                        IntVector a = bits.unsigned(w, p0 + 64 * h + s);
                        IntVector c = bits.unsigned(w, p0 + 64 * h + 32 + s);
                        IntVector hb = bits.unsigned(w, p0 + 128 + 32 * h + s);
                        s00 = value(a, hb, 0).fma(xa, s00);
                        s01 = value(c, hb, 2).fma(xb, s01);
                        s02 = value(a.lanewise(VectorOperators.LSHR, 4), hb, 4).fma(xc, s02);
                        s03 = value(c.lanewise(VectorOperators.LSHR, 4), hb, 6).fma(xd, s03);
                        a = bits.unsigned(w, p1 + 64 * h + s);
                        c = bits.unsigned(w, p1 + 64 * h + 32 + s);
                        hb = bits.unsigned(w, p1 + 128 + 32 * h + s);
                        s10 = value(a, hb, 0).fma(xa, s10);
                        s11 = value(c, hb, 2).fma(xb, s11);
                        s12 = value(a.lanewise(VectorOperators.LSHR, 4), hb, 4).fma(xc, s12);
                        s13 = value(c.lanewise(VectorOperators.LSHR, 4), hb, 6).fma(xd, s13);
                    }
                    long sc0 = p0 + 192 + 8 * h + (l16 >> 4);
                    long sc1 = p1 + 192 + 8 * h + (l16 >> 4);
                    acc0 = s00.fma(FloatVector.broadcast(f, d0 * KBlockBits.i8(w, sc0)), acc0);
                    acc0 = s01.fma(FloatVector.broadcast(f, d0 * KBlockBits.i8(w, sc0 + 2)), acc0);
                    acc0 = s02.fma(FloatVector.broadcast(f, d0 * KBlockBits.i8(w, sc0 + 4)), acc0);
                    acc0 = s03.fma(FloatVector.broadcast(f, d0 * KBlockBits.i8(w, sc0 + 6)), acc0);
                    acc1 = s10.fma(FloatVector.broadcast(f, d1 * KBlockBits.i8(w, sc1)), acc1);
                    acc1 = s11.fma(FloatVector.broadcast(f, d1 * KBlockBits.i8(w, sc1 + 2)), acc1);
                    acc1 = s12.fma(FloatVector.broadcast(f, d1 * KBlockBits.i8(w, sc1 + 4)), acc1);
                    acc1 = s13.fma(FloatVector.broadcast(f, d1 * KBlockBits.i8(w, sc1 + 6)), acc1);
                }
            }
        }
        out[o] = Lanes.sum(acc0);
        out[o + 1] = Lanes.sum(acc1);
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, o += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 208));
            for (int h = 0; h < 2; h++) {
                int o0 = o + 128 * h;
                for (int s = 0; s < 32; s += step) {
                    IntVector a = bits.unsigned(w, p + 64 * h + s);
                    IntVector c = bits.unsigned(w, p + 64 * h + 32 + s);
                    IntVector hb = bits.unsigned(w, p + 128 + 32 * h + s);
                    // (d sc) q as the reference evaluates it, so that the expansion is bit-exact
                    long sc = p + 192 + 8 * h + (s >> 4);
                    value(a, hb, 0).mul(d * KBlockBits.i8(w, sc)).intoArray(dst, o0 + s);
                    value(c, hb, 2).mul(d * KBlockBits.i8(w, sc + 2)).intoArray(dst, o0 + 32 + s);
                    value(a.lanewise(VectorOperators.LSHR, 4), hb, 4).mul(d * KBlockBits.i8(w, sc + 4))
                            .intoArray(dst, o0 + 64 + s);
                    value(c.lanewise(VectorOperators.LSHR, 4), hb, 6).mul(d * KBlockBits.i8(w, sc + 6))
                            .intoArray(dst, o0 + 96 + s);
                }
            }
        }
    }
}
