package io.jinfer.loader.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufTensorInfo;
import io.jinfer.loader.testing.SharedFixtures;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Quantises every 2-D tensor of the F32 master model to the super-block, non-linear and FP4
 * formats and compares the bytes with the files {@code llama-quantize --pure} wrote from it,
 * block for block. Besides the count of differing blocks it reports the largest difference
 * between the two dequantised tensors, which says how far apart any differing block is.
 *
 * <p>Every format reproduces llama-quantize exactly: 0 blocks differ.
 */
class KQuantizerSharedModelsTest {

    @ParameterizedTest(name = "{1}")
    @CsvSource({
        "q4_k, Q4_K",
        "q6_k, Q6_K",
        "mxfp4, MXFP4",
        "nvfp4, NVFP4",
        "q2_k, Q2_K",
        "q3_k, Q3_K",
        "q5_k, Q5_K",
        "iq4_nl, IQ4_NL",
        "iq4_xs, IQ4_XS"})
    void reproducesLlamaQuantizeBlockForBlock(String suffix, QuantFormat format) {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        Path quantised = SharedFixtures.require("models/synth-llama-" + suffix + ".gguf");
        Tally tally = new Tally();
        int tensors = 0;
        try (GgufFile f32 = GgufFile.open(master); GgufFile q = GgufFile.open(quantised);
                Arena arena = Arena.ofConfined()) {
            for (GgufTensorInfo info : q.tensorInfos()) {
                if (info.shape().length != 2) {
                    continue;
                }
                assertEquals(format, info.format(), info.name());
                compareTensor(f32, q, info, arena, tally);
                tensors++;
            }
        }
        System.out.printf("%s: %d tensors, %d blocks, %d differ, max dequantised difference %g%n", format,
                tensors, tally.blocks, tally.differing, tally.maxDiff);
        assertTrue(tensors >= 7 * 4, "expected every weight matrix to be " + format);
        assertEquals(0, tally.differing, tally.differing + " of " + tally.blocks + " " + format
                + " blocks differ from llama-quantize (max dequantised difference " + tally.maxDiff + ")");
    }

    /**
     * llama.cpp's realistic mixes choose a format per tensor (Q4_K with Q6_K for some, Q3_K with
     * Q4_K/Q5_K/Q6_K, …); each tensor must match whatever format the file gives it.
     */
    @ParameterizedTest(name = "{1}")
    @CsvSource({
        "synth-llama-f32, synth-llama-q4_k_m-mix",
        "synth-llama-f32, synth-llama-q3_k_m-mix",
        "synth-qwen2-f32, synth-qwen2-q4_k_m",
        "synth-qwen3-f32, synth-qwen3-q4_k_m"})
    void reproducesLlamaQuantizeMixes(String masterName, String mixName) {
        Path master = SharedFixtures.require("models/" + masterName + ".gguf");
        Path quantised = SharedFixtures.require("models/" + mixName + ".gguf");
        Map<QuantFormat, Tally> byFormat = new EnumMap<>(QuantFormat.class);
        try (GgufFile f32 = GgufFile.open(master); GgufFile q = GgufFile.open(quantised);
                Arena arena = Arena.ofConfined()) {
            for (GgufTensorInfo info : q.tensorInfos()) {
                if (info.shape().length != 2 || info.format() == QuantFormat.F32) {
                    continue;
                }
                compareTensor(f32, q, info, arena, byFormat.computeIfAbsent(info.format(), f -> new Tally()));
            }
        }
        long differing = 0;
        for (Map.Entry<QuantFormat, Tally> e : byFormat.entrySet()) {
            Tally t = e.getValue();
            System.out.printf("%s %s: %d blocks, %d differ, max dequantised difference %g%n", mixName, e.getKey(),
                    t.blocks, t.differing, t.maxDiff);
            differing += t.differing;
        }
        assertTrue(byFormat.size() >= 2, mixName + " should mix formats, holds " + byFormat.keySet());
        assertEquals(0, differing, differing + " blocks of " + mixName + " differ from llama-quantize: " + byFormat);
    }

    /** Blocks compared, blocks that differ, and the largest difference of their dequantised values. */
    private static final class Tally {
        long blocks;
        long differing;
        double maxDiff;

        @Override
        public String toString() {
            return differing + "/" + blocks + " (max " + maxDiff + ")";
        }
    }

    private static void compareTensor(GgufFile f32, GgufFile q, GgufTensorInfo info, Arena arena, Tally tally) {
        QuantFormat format = info.format();
        TensorView expected = q.tensor(info.name());
        TensorView source = f32.tensor(info.name());
        int cols = (int) info.shape()[0];
        int rows = (int) info.shape()[1];
        float[] row = new float[cols];
        float[] mineBack = new float[cols];
        float[] theirsBack = new float[cols];
        long rowBytes = format.rowBytes(cols);
        MemorySegment mine = arena.allocate(rowBytes);
        // per-value formats are compared 32 values at a time, like blocks
        int unit = format.bytesPerBlock() * (format.blockSize() == 1 ? 32 : 1);
        for (int r = 0; r < rows; r++) {
            long srcAt = (long) r * cols * 4;
            for (int c = 0; c < cols; c++) {
                row[c] = source.data().get(LittleEndian.FLOAT, srcAt + 4L * c);
            }
            Quantizer.quantizeRow(format, row, 0, cols, mine, 0);
            MemorySegment theirs = expected.data().asSlice(r * rowBytes, rowBytes);
            boolean rowDiffers = false;
            for (long at = 0; at < rowBytes; at += unit) {
                long end = Math.min(rowBytes, at + unit);
                tally.blocks++;
                if (MemorySegment.mismatch(mine, at, end, theirs, at, end) >= 0) {
                    tally.differing++;
                    rowDiffers = true;
                }
            }
            if (rowDiffers) {
                ReferenceDequantizer.dequantize(format, mine, 0, cols, mineBack, 0);
                ReferenceDequantizer.dequantize(format, theirs, 0, cols, theirsBack, 0);
                for (int c = 0; c < cols; c++) {
                    tally.maxDiff = Math.max(tally.maxDiff, Math.abs(mineBack[c] - theirsBack[c]));
                }
            }
        }
    }
}
