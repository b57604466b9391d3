package io.jinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufTensorInfo;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import io.jinfer.loader.safetensors.SafetensorsWriter;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class WeightTrafficTest {
    /**
     * Bytes of every matrix a token goes through, worked out from the shape alone: per layer Q and O
     * (dim x dim), K and V (kvDim x dim), gate and up (ffn x dim) with rows of dim values, down (dim
     * rows of ffn values); then the output projection (vocab rows of dim values).
     */
    private static long expected(SyntheticModel m) {
        QuantFormat f = m.weightFormat();
        long rowOfDim = f.rowBytes(m.dim());
        long perLayer = rowOfDim * (2L * m.dim() + 2L * m.kvDim() + 2L * m.ffn()) + f.rowBytes(m.ffn()) * m.dim();
        return perLayer * m.layers() + rowOfDim * m.vocab();
    }

    @ParameterizedTest(name = "{0}, tied embeddings {1}")
    @CsvSource({"Q8_0,false", "Q8_0,true", "Q4_0,true", "Q5_1,false", "F16,true", "F32,false"})
    void countsEveryLayerMatrixAndTheOutputProjectionOnce(QuantFormat format, boolean tied, @TempDir Path dir) {
        // Small enough to write in milliseconds; dim and ffn are whole numbers of blocks of every format.
        SyntheticModel spec = new SyntheticModel(SyntheticModel.tiny().architecture(), 256, 2, 4, 2, 512, 300,
                128, 10000f, tied, format, 7);
        Path file = dir.resolve("m.gguf");
        SyntheticModels.write(spec, file);
        assertEquals(expected(spec), WeightTraffic.bytesPerToken(file));
    }

    @Test
    void tiedAndUntiedModelsOfOneShapeReadTheSame() {
        // Untied: the embedding table is only looked up, the output matrix is read whole.
        List<GgufTensorInfo> untied = List.of(
                new GgufTensorInfo("token_embd.weight", QuantFormat.F32, new long[] {4, 10}, 0, 160),
                new GgufTensorInfo("output_norm.weight", QuantFormat.F32, new long[] {4}, 160, 16),
                new GgufTensorInfo("output.weight", QuantFormat.F32, new long[] {4, 10}, 192, 160),
                new GgufTensorInfo("blk.0.attn_q.weight", QuantFormat.F32, new long[] {4, 4}, 352, 64));
        List<GgufTensorInfo> tied = List.of(untied.get(0), untied.get(1), untied.get(3));
        assertEquals(224, WeightTraffic.bytesPerToken(untied, null));
        assertEquals(224, WeightTraffic.bytesPerToken(tied, null));
    }

    @ParameterizedTest(name = "lm_head {0}")
    @CsvSource({"true", "false"})
    void aCheckpointDirectoryCountsItsMatricesAndScaleGrids(boolean untied, @TempDir Path dir) {
        // HF names; shapes [rows, cols]; a 2-D scale grid counts, a 1-D norm does not
        SafetensorsWriter w = new SafetensorsWriter()
                .addF32("model.embed_tokens.weight", new long[] {10, 4}, new float[40])
                .addF32("model.norm.weight", new long[] {4}, new float[4])
                .addF32("model.layers.0.self_attn.q_proj.weight", new long[] {4, 4}, new float[16])
                .addF32("model.layers.0.self_attn.q_proj.weight_scale", new long[] {4, 1}, new float[4]);
        if (untied) {
            w.addF32("lm_head.weight", new long[] {10, 4}, new float[40]);
        }
        w.write(dir.resolve(SafetensorsCheckpoint.SINGLE));
        assertEquals(160 + 64 + 16, WeightTraffic.bytesPerToken(dir));
    }

    @Test
    void aModelWithoutOutputOrEmbeddingIsRejected() {
        List<GgufTensorInfo> none = List.of(
                new GgufTensorInfo("blk.0.attn_q.weight", QuantFormat.F32, new long[] {4, 4}, 0, 64));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> WeightTraffic.bytesPerToken(none, null));
        assertEquals(true, e.getMessage().contains("output.weight"), e.getMessage());
    }
}
