package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q2_K super-blocks (84 bytes for 256 values: 16 scale bytes, low nibble scale and high nibble
 * minimum per 16 values, 64 bytes of bit pairs, F16 d, F16 dmin) expanded in registers. In each
 * half h of 128 values, value {@code 32g + l} is bit pair 2g of byte l of the half's 32 bytes; it
 * is {@code (d sc) q - (dmin m)}. The dot product keeps, per 16 values, {@code Σ q x} and
 * {@code Σ x} apart and scales each once.
 */
final class Q2_KCodec extends RowCodec {
    private static final int BLOCK_BYTES = 84;
    private final Lanes ln;
    private final KBlockBits bits;

    Q2_KCodec(Lanes ln) {
        this.ln = ln;
        this.bits = new KBlockBits(ln);
    }

    private static FloatVector value(IntVector q, int g) {
        return (FloatVector) q.lanewise(VectorOperators.LSHR, 2 * g).and(3).convert(VectorOperators.I2F, 0);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        FloatVector acc = FloatVector.zero(f);
        FloatVector accMin = FloatVector.zero(f);
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, xo += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 80));
            float dmin = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 82));
            for (int h = 0; h < 2; h++) {
                long qs = p + 16 + 32 * h;
                int x0 = xo + 128 * h;
                for (int l16 = 0; l16 < 32; l16 += 16) {
                    FloatVector s0 = FloatVector.zero(f), s1 = s0, s2 = s0, s3 = s0;
                    FloatVector t0 = s0, t1 = s0, t2 = s0, t3 = s0;
                    for (int s = l16; s < l16 + 16; s += step) {
                        IntVector q = bits.unsigned(w, qs + s);
                        FloatVector xa = FloatVector.fromArray(f, x, x0 + s);
                        FloatVector xb = FloatVector.fromArray(f, x, x0 + 32 + s);
                        FloatVector xc = FloatVector.fromArray(f, x, x0 + 64 + s);
                        FloatVector xd = FloatVector.fromArray(f, x, x0 + 96 + s);
                        s0 = value(q, 0).fma(xa, s0);
                        s1 = value(q, 1).fma(xb, s1);
                        s2 = value(q, 2).fma(xc, s2);
                        s3 = value(q, 3).fma(xd, s3);
                        t0 = t0.add(xa);
                        t1 = t1.add(xb);
                        t2 = t2.add(xc);
                        t3 = t3.add(xd);
                    }
                    long sc = p + 8 * h + (l16 >> 4);
                    int c0 = KBlockBits.u8(w, sc);
                    int c1 = KBlockBits.u8(w, sc + 2);
                    int c2 = KBlockBits.u8(w, sc + 4);
                    int c3 = KBlockBits.u8(w, sc + 6);
                    acc = s0.fma(FloatVector.broadcast(f, d * (c0 & 0xF)), acc);
                    acc = s1.fma(FloatVector.broadcast(f, d * (c1 & 0xF)), acc);
                    acc = s2.fma(FloatVector.broadcast(f, d * (c2 & 0xF)), acc);
                    acc = s3.fma(FloatVector.broadcast(f, d * (c3 & 0xF)), acc);
                    accMin = t0.fma(FloatVector.broadcast(f, dmin * (c0 >>> 4)), accMin);
                    accMin = t1.fma(FloatVector.broadcast(f, dmin * (c1 >>> 4)), accMin);
                    accMin = t2.fma(FloatVector.broadcast(f, dmin * (c2 >>> 4)), accMin);
                    accMin = t3.fma(FloatVector.broadcast(f, dmin * (c3 >>> 4)), accMin);
                }
            }
        }
        return Lanes.sum(acc.sub(accMin));
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, o += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 80));
            float dmin = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 82));
            for (int h = 0; h < 2; h++) {
                int o0 = o + 128 * h;
                for (int s = 0; s < 32; s += step) {
                    IntVector q = bits.unsigned(w, p + 16 + 32 * h + s);
                    long sc = p + 8 * h + (s >> 4);
                    for (int g = 0; g < 4; g++) {
                        int c = KBlockBits.u8(w, sc + 2 * g);
                        // multiply then subtract (not fma): bit-exact with the reference
                        value(q, g).mul(d * (c & 0xF)).sub(dmin * (c >>> 4)).intoArray(dst, o0 + 32 * g + s);
                    }
                }
            }
        }
    }
}
