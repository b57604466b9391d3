package io.jinfer.loader.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.format.ReferenceDequantizer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    private static short bf16(int floatBits) {
        return HalfFloats.toBf16(Float.intBitsToFloat(floatBits));
    }

    @Test
    void bf16RoundsToNearestWithTiesToEven() {
        assertEquals((short) 0x3F80, bf16(0x3F80_0000), "1.0 is exact");
        assertEquals((short) 0xBF80, bf16(0xBF80_0000), "-1.0 is exact");
        assertEquals((short) 0x3F80, bf16(0x3F80_7FFF), "below half rounds down");
        assertEquals((short) 0x3F81, bf16(0x3F80_8001), "above half rounds up");
        assertEquals((short) 0x3F80, bf16(0x3F80_8000), "tie with even lower bit stays");
        assertEquals((short) 0x3F82, bf16(0x3F81_8000), "tie with odd lower bit rounds up to even");
        assertEquals((short) 0xBF82, bf16(0xBF81_8000), "ties round the magnitude for negatives too");
        assertEquals((short) 0x7F80, bf16(0x7F7F_FFFF), "the largest float rounds to infinity");
        assertEquals((short) 0x7F80, bf16(0x7F80_0000), "infinity stays");
        assertEquals((short) 0x0002, bf16(0x0001_8000), "subnormals are rounded, not flushed");
        assertEquals((short) 0x8000, bf16(0x8000_0000), "negative zero keeps its sign");
    }

    @Test
    void bf16NanStaysNanAndBecomesQuiet() {
        assertEquals((short) 0x7FC0, bf16(0x7F80_0001), "a signalling NaN with a low payload stays a NaN");
        assertEquals((short) 0xFFC1, bf16(0xFF81_0000), "sign and upper payload kept, quiet bit set");
        assertEquals((short) 0x7FC0, bf16(0x7FC0_0000), "the canonical NaN is unchanged");
    }

    @Test
    void bf16RoundTripErrorIsWithinHalfAnUlp() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            float v = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(-20, 20)));
            float back = ReferenceDequantizer.bf16ToFloat(HalfFloats.toBf16(v));
            // bfloat16 keeps 8 significant bits: half an ulp is 2^-8 relative.
            assertTrue(Math.abs(back - v) <= Math.abs(v) * 0x1p-8f, v + " -> " + back);
        }
    }

    @Test
    void f16RoundsToNearestEvenAndSaturatesToInfinity() {
        assertEquals((short) 0x3C00, HalfFloats.toF16(1f));
        assertEquals((short) 0xC000, HalfFloats.toF16(-2f));
        assertEquals((short) 0x7BFF, HalfFloats.toF16(65504f), "largest finite half");
        assertEquals((short) 0x7C00, HalfFloats.toF16(65520f), "half-way above the largest rounds to infinity");
        assertEquals((short) 0x0001, HalfFloats.toF16(0x1p-24f), "smallest subnormal");
        assertEquals((short) 0x0000, HalfFloats.toF16(0x1p-25f), "tie to even rounds the smallest half-way to 0");
        assertEquals((short) 0x3C00, HalfFloats.toF16(1f + 0x1p-11f), "tie between 1 and next rounds to even");
        assertEquals((short) 0x3C02, HalfFloats.toF16(1f + 3 * 0x1p-11f), "tie rounds up to the even neighbour");
    }

    @Test
    void f16NanBecomesTheQuietNanWithItsSign() {
        assertEquals((short) 0x7E00, HalfFloats.toF16(Float.NaN));
        assertEquals((short) 0xFE00, HalfFloats.toF16(Float.intBitsToFloat(0xFF80_0001)));
    }
}
