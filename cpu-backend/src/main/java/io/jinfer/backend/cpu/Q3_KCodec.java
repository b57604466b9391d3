package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q3_K super-blocks (110 bytes for 256 values: 32 bytes hmask, 64 bytes of bit pairs, 12 bytes of
 * 6-bit scales biased by 32, F16 d) expanded in registers. In each half h of 128 values, value
 * {@code 32g + l} has its low two bits at bit 2g of byte l of the half's 32 bytes and its third bit
 * at bit {@code 4h + g} of hmask byte l; {@code q = low + 4 * third - 4} runs from -4 to 3. A value
 * is {@code (d (sc - 32)) q}, one scale per 16 values; the dot product keeps one sum per scale and
 * reduces each group of 32 values to a float.
 */
final class Q3_KCodec extends RowCodec {
    private static final int BLOCK_BYTES = 110;
    private final Lanes ln;
    private final KBlockBits bits;

    Q3_KCodec(Lanes ln) {
        this.ln = ln;
        this.bits = new KBlockBits(ln);
    }

    /** @return signed values of group g: bit pair 2g of {@code q}, third bit {@code hbit} of {@code hm} */
    private static FloatVector value(IntVector q, IntVector hm, int g, int hbit) {
        IntVector third = hm.lanewise(VectorOperators.LSHR, hbit).and(1).lanewise(VectorOperators.LSHL, 2);
        IntVector v = q.lanewise(VectorOperators.LSHR, 2 * g).and(3).or(third);
        // the bias comes off in float (exact): C2 boxed the vectors of the int subtraction here
        return ((FloatVector) v.convert(VectorOperators.I2F, 0)).sub(4f);
    }

    @Override
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] sums, float[] scratch) {
        float total = 0;
        long p = off;
        int xo = xOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, xo += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 108));
            for (int h = 0; h < 2; h++) {
                for (int g = 0; g < 4; g++) {
                    total += group(w, p, h, g, x, xo, d, scratch);
                }
            }
        }
        return total;
    }

    /**
     * The dot product of group {@code g} (32 values, two scales) of half {@code h}. A small method
     * of its own, returning a float, because C2 stops inlining a larger body of vector code (its
     * node-count cutoff) and then keeps the vectors on the heap.
     *
     * @param lanes a per-thread buffer of at least one vector's floats
     */
    private float group(MemorySegment w, long p, int h, int g, float[] x, int xo, float d, float[] lanes) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        long qs = p + 32 + 32 * h;
        int x0 = xo + 128 * h + 32 * g;
        FloatVector lo = FloatVector.zero(f);
        FloatVector hi = FloatVector.zero(f);
        for (int s = 0; s < 16; s += step) {
            lo = value(bits.unsigned(w, qs + s), bits.unsigned(w, p + s), g, 4 * h + g)
                    .fma(FloatVector.fromArray(f, x, x0 + s), lo);
            hi = value(bits.unsigned(w, qs + 16 + s), bits.unsigned(w, p + 16 + s), g, 4 * h + g)
                    .fma(FloatVector.fromArray(f, x, x0 + 16 + s), hi);
        }
        int j = 8 * h + 2 * g;
        FloatVector acc = lo.mul(scale(w, p, d, j));
        // lanes go through memory: even this body reaches C2's inlining cutoff, and a vector handed
        // to a method that is not inlined is boxed
        hi.fma(FloatVector.broadcast(f, scale(w, p, d, j + 1)), acc).intoArray(lanes, 0);
        return Lanes.sum(lanes, 0, step);
    }

    /** @return the float scale of the 16 values {@code 16j ..} of the block at {@code p} */
    private static float scale(MemorySegment w, long p, float d, int j) {
        return d * (KBlockBits.scaleQ3(w, p + 96, j) - 32);
    }

    @Override
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int step = ln.length();
        long p = off;
        int o = dstOff;
        for (int b = 0, blocks = cols >> 8; b < blocks; b++, p += BLOCK_BYTES, o += 256) {
            float d = Float.float16ToFloat(w.get(LittleEndian.SHORT, p + 108));
            for (int h = 0; h < 2; h++) {
                int o0 = o + 128 * h;
                for (int s = 0; s < 32; s += step) {
                    IntVector q = bits.unsigned(w, p + 32 + 32 * h + s);
                    IntVector hm = bits.unsigned(w, p + s);
                    int j = 8 * h + (s >> 4);
                    for (int g = 0; g < 4; g++) {
                        value(q, hm, g, 4 * h + g).mul(scale(w, p, d, j + 2 * g)).intoArray(dst, o0 + 32 * g + s);
                    }
                }
            }
        }
    }
}
