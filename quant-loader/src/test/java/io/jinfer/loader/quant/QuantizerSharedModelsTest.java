package io.jinfer.loader.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
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
 * Quantises every 2-D tensor of the F32 master model and compares the bytes with the files
 * {@code llama-quantize --pure} wrote from it: the reference quantisers must reproduce them block
 * for block.
 */
class QuantizerSharedModelsTest {

    @ParameterizedTest
    @CsvSource({"q8_0, Q8_0", "q4_0, Q4_0", "q4_1, Q4_1", "q5_0, Q5_0", "q5_1, Q5_1", "f16, F16", "bf16, BF16"})
    void reproducesLlamaQuantizeBlockForBlock(String suffix, QuantFormat format) {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        Path quantised = SharedFixtures.require("models/synth-llama-" + suffix + ".gguf");
        long blocks = 0;
        long differing = 0;
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
                long rowBytes = format.rowBytes(cols);
                MemorySegment mine = arena.allocate(rowBytes);
                for (int r = 0; r < rows; r++) {
                    long srcAt = (long) r * cols * 4;
                    for (int c = 0; c < cols; c++) {
                        row[c] = source.data().get(LittleEndian.FLOAT, srcAt + 4L * c);
                    }
                    Quantizer.quantizeRow(format, row, 0, cols, mine, 0);
                    MemorySegment theirs = expected.data().asSlice(r * rowBytes, rowBytes);
                    int unit = format.bytesPerBlock() * (format.blockSize() == 1 ? 32 : 1);
                    for (long at = 0; at < rowBytes; at += unit) {
                        long len = Math.min(unit, rowBytes - at);
                        blocks++;
                        if (MemorySegment.mismatch(mine, at, at + len, theirs, at, at + len) >= 0) {
                            differing++;
                        }
                    }
                }
                tensors++;
            }
        }
        System.out.printf("%s: %d tensors, %d blocks, %d differ%n", format, tensors, blocks, differing);
        assertTrue(tensors >= 7 * 4, "expected every weight matrix to be " + format);
        assertEquals(0, differing, differing + " of " + blocks + " " + format + " blocks differ from llama-quantize");
    }
}
