package io.jinfer.api.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The scale-grid indexing and the input checks of {@link ScaledDequantizer}. */
class ScaledDequantizerTest {

    private static MemorySegment floats(float... v) {
        MemorySegment s = MemorySegment.ofArray(new byte[4 * v.length]);
        for (int i = 0; i < v.length; i++) {
            s.setAtIndex(LittleEndian.FLOAT, i, v[i]);
        }
        return s;
    }

    @Test
    void partialEdgeBlocksOfA2x2GridOverA3x5Matrix() {
        // 3 rows x 5 columns, scale cells of 2x2: a 2x3 grid whose last row and column are partial
        float[] grid = {1f, 2f, 4f, 8f, 16f, 32f};
        byte[] codes = new byte[15];
        for (int i = 0; i < 15; i++) {
            codes[i] = (byte) Fp8.floatToE4m3(i + 1, true);
        }
        TensorView t = new TensorView("w", QuantFormat.F8_E4M3, new long[] {5, 3}, MemorySegment.ofArray(codes),
                new WeightScales(QuantFormat.F32, floats(grid), 2, 2, 0.5f));
        float[] row = new float[7];
        for (int r = 0; r < 3; r++) {
            ScaledDequantizer.dequantizeRow(t, r, row, 2);
            for (int c = 0; c < 5; c++) {
                float expected = (r * 5 + c + 1) * (grid[(r / 2) * 3 + c / 2] * 0.5f);
                assertEquals(expected, row[2 + c], "element " + r + "," + c);
            }
        }
    }

    @Test
    void e2m1NibbleOrderAndE8m0Scales() {
        // one row of 4: bytes 0x21 (values 0.5 then 1) and 0xF7 (6 then -6), E8M0 scales 2^1 and 2^-1
        TensorView t = new TensorView("mx", QuantFormat.E2M1, new long[] {4, 1},
                MemorySegment.ofArray(new byte[] {0x21, (byte) 0xF7}),
                new WeightScales(QuantFormat.E8M0, MemorySegment.ofArray(new byte[] {(byte) 128, (byte) 126}), 1, 2,
                        1f));
        float[] row = new float[4];
        ScaledDequantizer.dequantizeRow(t, 0, row, 0);
        assertEquals(1f, row[0]);
        assertEquals(2f, row[1]);
        assertEquals(3f, row[2]);
        assertEquals(-3f, row[3]);
    }

    @Test
    void everyScaleFormatDecodes() {
        MemorySegment codes = MemorySegment.ofArray(new byte[] {(byte) Fp8.floatToE5m2(3f, true)});
        MemorySegment half = MemorySegment.ofArray(new byte[2]);
        half.set(LittleEndian.SHORT, 0, Float.floatToFloat16(0.25f));
        MemorySegment bf = MemorySegment.ofArray(new byte[2]);
        bf.set(LittleEndian.SHORT, 0, (short) (Float.floatToRawIntBits(0.5f) >>> 16));
        Object[][] cases = {
            {QuantFormat.F32, floats(2f), 6f},
            {QuantFormat.F16, half, 0.75f},
            {QuantFormat.BF16, bf, 1.5f},
            {QuantFormat.F8_E4M3, MemorySegment.ofArray(new byte[] {(byte) Fp8.floatToE4m3(4f, true)}), 12f},
            {QuantFormat.E8M0, MemorySegment.ofArray(new byte[] {(byte) 130}), 24f},
        };
        for (Object[] c : cases) {
            TensorView t = new TensorView("w", QuantFormat.F8_E5M2, new long[] {1, 1}, codes,
                    new WeightScales((QuantFormat) c[0], (MemorySegment) c[1], 1, 1, 1f));
            float[] out = new float[1];
            ScaledDequantizer.dequantizeRow(t, 0, out, 0);
            assertEquals((float) c[2], out[0], c[0].toString());
        }
    }

    @Test
    void referenceDequantizerDecodesBareCodes() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        MemorySegment src = MemorySegment.ofArray(all);
        float[] out = new float[512];
        for (QuantFormat f : new QuantFormat[] {QuantFormat.F8_E4M3, QuantFormat.F8_E5M2, QuantFormat.E8M0}) {
            ReferenceDequantizer.dequantize(f, src, 0, 256, out, 0);
            for (int c = 0; c < 256; c++) {
                float expected = f == QuantFormat.E8M0 ? E8m0.toFloat(c) : ScaledDequantizer.codeValue(f, c);
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[c]), f + " code " + c);
            }
        }
        ReferenceDequantizer.dequantize(QuantFormat.E2M1, src, 0, 512, out, 0);
        for (int b = 0; b < 256; b++) {
            assertEquals(E2m1.toFloat(b & 0xF), out[2 * b], "low nibble of " + b);
            assertEquals(E2m1.toFloat(b >>> 4), out[2 * b + 1], "high nibble of " + b);
        }
    }

    @Test
    void badInputsNameTheTensor() {
        TensorView noScales = new TensorView("blk.0.ffn_up.weight", QuantFormat.F8_E4M3, new long[] {4, 2},
                MemorySegment.ofArray(new byte[8]));
        var e = assertThrows(IllegalArgumentException.class,
                () -> ScaledDequantizer.dequantizeRow(noScales, 0, new float[4], 0));
        assertTrue(e.getMessage().contains("blk.0.ffn_up.weight") && e.getMessage().contains("needs"), e.getMessage());

        TensorView ggufWithScales = new TensorView("tok", QuantFormat.F32, new long[] {1, 1},
                floats(1f), new WeightScales(QuantFormat.F32, floats(1f), 1, 1, 1f));
        e = assertThrows(IllegalArgumentException.class, () -> ScaledDequantizer.checkScales(ggufWithScales));
        assertTrue(e.getMessage().contains("tok") && e.getMessage().contains("takes no"), e.getMessage());

        // a grid of the wrong size is refused when the view is made, naming the tensor
        e = assertThrows(IllegalArgumentException.class, () -> new TensorView("q", QuantFormat.E2M1,
                new long[] {32, 2}, MemorySegment.ofArray(new byte[32]),
                new WeightScales(QuantFormat.F8_E4M3, MemorySegment.ofArray(new byte[2]), 1, 16, 1f)));
        assertTrue(e.getMessage().contains("q") && e.getMessage().contains("need 4 bytes"), e.getMessage());

        TensorView ok = CheckpointQuantizer.fp8PerChannel(QuantFormat.F8_E4M3, new float[8], 2, 4).view("w");
        assertThrows(IndexOutOfBoundsException.class, () -> ScaledDequantizer.dequantizeRow(ok, 2, new float[4], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> ScaledDequantizer.dequantizeRow(ok, 0, new float[4], 1));
    }
}
