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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Quantises every 2-D tensor of the F32 master model to the super-block, non-linear and FP4
 * formats and compares the bytes with the files {@code llama-quantize --pure} wrote from it,
 * block for block. Besides the count of differing blocks it reports the largest difference
 * between the two dequantised tensors, which says how far apart any differing block is.
 *
 * <p>{@code allowedDiffering} is the number of differing blocks reached; the goal, and the value
 * for every format that reproduces llama-quantize exactly, is 0. A format that could not reach 0
 * keeps its count here (stated in the row) so that a regression cannot pass silently.
 */
class KQuantizerSharedModelsTest {

    @ParameterizedTest(name = "{1}")
    @CsvSource({
        "q4_k, Q4_K, 0",
        "q6_k, Q6_K, 0",
        "mxfp4, MXFP4, 0",
        "nvfp4, NVFP4, 0",
        "q2_k, Q2_K, 0",
        "q3_k, Q3_K, 0",
        "q5_k, Q5_K, 0",
        "iq4_nl, IQ4_NL, 0",
        "iq4_xs, IQ4_XS, 0"})
    void reproducesLlamaQuantizeBlockForBlock(String suffix, QuantFormat format, long allowedDiffering) {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        Path quantised = SharedFixtures.require("models/synth-llama-" + suffix + ".gguf");
        long blocks = 0;
        long differing = 0;
        double maxDiff = 0;
        int tensors = 0;
        try (GgufFile f32 = GgufFile.open(master); GgufFile q = GgufFile.open(quantised);
                Arena arena = Arena.ofConfined()) {
            for (GgufTensorInfo info : q.tensorInfos()) {
                if (info.shape().length != 2) {
                    continue;
                }
                assertEquals(format, info.format(), info.name());
                TensorView expected = q.tensor(info.name());
                TensorView source = f32.tensor(info.name());
                int cols = (int) info.shape()[0];
                int rows = (int) info.shape()[1];
                float[] row = new float[cols];
                float[] mineBack = new float[cols];
                float[] theirsBack = new float[cols];
                long rowBytes = format.rowBytes(cols);
                MemorySegment mine = arena.allocate(rowBytes);
                int unit = format.bytesPerBlock();
                for (int r = 0; r < rows; r++) {
                    long srcAt = (long) r * cols * 4;
                    for (int c = 0; c < cols; c++) {
                        row[c] = source.data().get(LittleEndian.FLOAT, srcAt + 4L * c);
                    }
                    Quantizer.quantizeRow(format, row, 0, cols, mine, 0);
                    MemorySegment theirs = expected.data().asSlice(r * rowBytes, rowBytes);
                    boolean rowDiffers = false;
                    for (long at = 0; at < rowBytes; at += unit) {
                        blocks++;
                        if (MemorySegment.mismatch(mine, at, at + unit, theirs, at, at + unit) >= 0) {
                            differing++;
                            rowDiffers = true;
                        }
                    }
                    if (rowDiffers) {
                        ReferenceDequantizer.dequantize(format, mine, 0, cols, mineBack, 0);
                        ReferenceDequantizer.dequantize(format, theirs, 0, cols, theirsBack, 0);
                        for (int c = 0; c < cols; c++) {
                            maxDiff = Math.max(maxDiff, Math.abs(mineBack[c] - theirsBack[c]));
                        }
                    }
                }
                tensors++;
            }
        }
        System.out.printf("%s: %d tensors, %d blocks, %d differ, max dequantised difference %g%n", format,
                tensors, blocks, differing, maxDiff);
        assertTrue(tensors >= 7 * 4, "expected every weight matrix to be " + format);
        assertEquals(allowedDiffering, differing, differing + " of " + blocks + " " + format
                + " blocks differ from llama-quantize (max dequantised difference " + maxDiff + ")");
    }
}
