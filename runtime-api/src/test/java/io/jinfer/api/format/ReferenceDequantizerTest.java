package io.jinfer.api.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReferenceDequantizerTest {

    @Test
    void everySupportedFormatHasAReference() {
        Random random = new Random(7);
        for (QuantFormat f : QuantFormat.values()) {
            if (!f.isSupported()) {
                continue;
            }
            // Three blocks of random bytes at an odd offset: a row decodes as its blocks one by one.
            byte[] bytes = new byte[3 + 3 * f.bytesPerBlock()];
            random.nextBytes(bytes);
            MemorySegment src = MemorySegment.ofArray(bytes);
            float[] row = new float[1 + 3 * f.blockSize()];
            ReferenceDequantizer.dequantize(f, src, 3, 3 * f.blockSize(), row, 1);
            for (int b = 0; b < 3; b++) {
                float[] one = new float[f.blockSize()];
                ReferenceDequantizer.dequantizeBlock(f, src, 3 + (long) b * f.bytesPerBlock(), one, 0);
                float[] part = new float[f.blockSize()];
                System.arraycopy(row, 1 + b * f.blockSize(), part, 0, f.blockSize());
                assertArrayEquals(one, part, f + " block " + b);
            }
        }
    }

    @Test
    void theFormatsOfThisWaveAreSupported() {
        for (QuantFormat f : new QuantFormat[] {QuantFormat.Q2_K, QuantFormat.Q3_K, QuantFormat.Q4_K,
                QuantFormat.Q5_K, QuantFormat.Q6_K, QuantFormat.Q8_K, QuantFormat.IQ4_NL, QuantFormat.IQ4_XS,
                QuantFormat.MXFP4, QuantFormat.NVFP4}) {
            assertTrue(f.isSupported(), f.name());
        }
    }

    @Test
    void rejectsPartialBlocks() {
        MemorySegment src = MemorySegment.ofArray(new byte[QuantFormat.Q4_K.bytesPerBlock()]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceDequantizer.dequantize(QuantFormat.Q4_K, src, 0, 100, new float[256], 0));
        assertTrue(e.getMessage().contains("Q4_K"), e.getMessage());
    }

    @Test
    void namesFormatsWithoutAReference() {
        MemorySegment src = MemorySegment.ofArray(new byte[QuantFormat.IQ2_XXS.bytesPerBlock()]);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> ReferenceDequantizer.dequantize(QuantFormat.IQ2_XXS, src, 0, 256, new float[256], 0));
        assertTrue(e.getMessage().contains("IQ2_XXS"), e.getMessage());
    }

    @Test
    void bf16IsTheUpperHalfOfABinary32() {
        assertEquals(1.0f, ReferenceDequantizer.bf16ToFloat((short) 0x3F80));
        assertEquals(Float.NEGATIVE_INFINITY, ReferenceDequantizer.bf16ToFloat((short) 0xFF80));
    }
}
