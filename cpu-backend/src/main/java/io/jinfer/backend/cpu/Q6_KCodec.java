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
 * byte l, so one load of each feeds several groups. A value is {@code (d sc) (q - 32)}, one scale
 * per 16 values; the dot product keeps one partial sum per scale and reduces each 16 lanes of two
 * groups (g and g + 2, which share their ql bytes) to a float.
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
        // the bias comes off in float (exact for these small integers): C2 boxes the vectors of an
        // int subtraction of a constant here, which made the kernel allocate
        return ((FloatVector) q.convert(VectorOperators.I2F, 0)).sub(32f);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        float total = 0;
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, xo += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 208));
            for (int h = 0; h < 2; h++) {
                for (int l16 = 0; l16 < 32; l16 += 16) {
                    // one call site: C2 inlines pair here, and two copies would pass its cutoff
                    for (int g = 0; g < 2; g++) {
                        total += pair(w, p, h, l16, g, x, xo, d, scratch);
                    }
                }
            }
        }
        return total;
    }

    /**
     * The dot product of lanes {@code l16 .. l16+15} of groups {@code g} and {@code g + 2} of half
     * {@code h}, which share their ql bytes. A small method of its own, returning a float, because
     * C2 stops inlining a larger body of vector code (its node-count cutoff) and then keeps the
     * vectors on the heap, which made a whole-super-block loop allocate and run ten times slower.
     *
     * @param lanes a per-thread buffer of at least one vector's floats
     */
    private float pair(MemorySegment w, long p, int h, int l16, int g, float[] x, int xo, float d,
            float[] lanes) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        long ql = p + 64 * h + 32 * g;
        long qh = p + 128 + 32 * h;
        int x0 = xo + 128 * h + 32 * g;
        FloatVector lo = FloatVector.zero(f);
        FloatVector hi = FloatVector.zero(f);
        for (int s = l16; s < l16 + 16; s += step) {
            IntVector a = bits.unsigned(w, ql + s);
            IntVector hb = bits.unsigned(w, qh + s);
            lo = value(a, hb, 2 * g).fma(FloatVector.fromArray(f, x, x0 + s), lo);
            hi = value(a.lanewise(VectorOperators.LSHR, 4), hb, 2 * g + 4).fma(FloatVector.fromArray(f, x, x0 + 64 + s), hi);
        }
        long sc = p + 192 + 8 * h + 2 * g + (l16 >> 4);
        FloatVector acc = lo.mul(d * KBlockBits.i8(w, sc));
        // lanes go through memory: with 8 lanes this body reaches C2's inlining cutoff too, and a
        // vector handed to a method that is not inlined is boxed
        hi.fma(FloatVector.broadcast(f, d * KBlockBits.i8(w, sc + 4)), acc).intoArray(lanes, 0);
        return Lanes.sum(lanes, 0, step);
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
