package io.jinfer.loader.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.MiniFloats;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import io.jinfer.loader.hf.HfQuantization.Scheme;
import io.jinfer.loader.safetensors.SafetensorsDtype;
import io.jinfer.loader.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quantised checkpoints as each scheme describes itself: the views get the right format, shape
 * ({@code [in, out]}), scale grid and global scale, and bad descriptions or scale tensors fail naming
 * what is wrong.
 */
class HfTensorBinderTest {
    private static final String Q = "model.layers.0.self_attn.q_proj";
    private static final String CONFIG = "{\"model_type\":\"llama\",\"hidden_size\":32,\"num_hidden_layers\":1,"
            + "\"num_attention_heads\":2,\"intermediate_size\":64,\"vocab_size\":300";

    @TempDir
    Path dir;

    private HfModelDirectory open(String quantizationConfig, Consumer<SafetensorsWriter> tensors) throws IOException {
        Files.writeString(dir.resolve(HfConfig.FILE), CONFIG
                + (quantizationConfig == null ? "" : ",\"quantization_config\":" + quantizationConfig) + "}");
        SafetensorsWriter w = new SafetensorsWriter();
        tensors.accept(w);
        w.write(dir.resolve("model.safetensors"));
        return HfModelDirectory.open(dir);
    }

    private static byte[] bytes(int n, int value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static void check(TensorView v, QuantFormat format, long[] shape, QuantFormat scaleFormat, int rowBlock,
            int columnBlock, float global) {
        assertEquals(format, v.format(), v.toString());
        assertArrayEquals(shape, v.shape(), v.toString());
        WeightScales s = v.scales();
        assertEquals(scaleFormat, s.format());
        assertEquals(rowBlock, s.rowBlock());
        assertEquals(columnBlock, s.columnBlock());
        assertEquals(global, s.globalScale());
    }

    @Test
    void modelOptFp8PerTensorWithActivationScale() throws IOException {
        Files.writeString(dir.resolve(HfQuantization.MODELOPT_FILE),
                "{\"producer\":{\"name\":\"modelopt\"},\"quantization\":{\"quant_algo\":\"FP8\",\"kv_cache_quant_algo\":null}}");
        try (HfModelDirectory d = open(null, w -> w
                .add(Q + ".weight", SafetensorsDtype.F8_E4M3, new long[] {4, 32}, bytes(128, 0x38))
                .add(Q + ".weight_scale", SafetensorsDtype.F32, new long[] {}, f32(0.5f))
                .add(Q + ".input_scale", SafetensorsDtype.F32, new long[] {}, f32(0.125f))
                .add("lm_head.weight", SafetensorsDtype.BF16, new long[] {300, 32}, new byte[300 * 32 * 2]))) {
            assertEquals(Scheme.MODELOPT_FP8, d.binder().quantization().scheme());
            TensorView v = d.binder().matrix(Q + ".weight");
            check(v, QuantFormat.F8_E4M3, new long[] {32, 4}, QuantFormat.F32, 4, 32, 1f);
            assertEquals(0.5f, v.scales().data().get(LittleEndian.FLOAT, 0));
            assertEquals(0.125, d.binder().inputScale(Q + ".weight").orElseThrow());
            TensorView head = d.binder().matrix("lm_head.weight");
            assertEquals(QuantFormat.BF16, head.format(), "modules left unquantised stay plain");
            assertNull(head.scales());
        }
    }

    @Test
    void modelOptFp8PerChannel() throws IOException {
        try (HfModelDirectory d = open("{\"quant_method\":\"modelopt\",\"quant_algo\":\"FP8\"}", w -> w
                .add(Q + ".weight", SafetensorsDtype.F8_E4M3, new long[] {4, 32}, bytes(128, 0x38))
                .add(Q + ".weight_scale", SafetensorsDtype.F32, new long[] {4}, f32(1, 2, 3, 4)))) {
            check(d.binder().matrix(Q + ".weight"), QuantFormat.F8_E4M3, new long[] {32, 4}, QuantFormat.F32, 1, 32, 1f);
            assertTrue(d.binder().inputScale(Q + ".weight").isEmpty());
        }
    }

    /** Element (r, c) of an NVFP4 view, decoded as WeightScales documents it. */
    private static float nvfp4(TensorView v, int r, int c) {
        int cols = v.columns();
        int b = v.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, (long) r * cols / 2 + c / 2) & 0xFF;
        int code = c % 2 == 0 ? b & 0xF : b >>> 4;
        WeightScales s = v.scales();
        int scale = s.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE,
                (r / s.rowBlock()) * s.gridColumns(cols) + c / s.columnBlock()) & 0xFF;
        return MiniFloats.e2m1(code) * MiniFloats.ue4m3(scale) * s.globalScale();
    }

    /** Codes 0..15 repeated, element 2i in the low nibble; scales 1.0 and 2.0 alternating per group of 16. */
    private static void nvfp4Tensors(SafetensorsWriter w, String packed, String scale) {
        byte[] codes = new byte[4 * 16];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) (((2 * i) % 16) | (((2 * i + 1) % 16) << 4));
        }
        byte[] scales = new byte[4 * 2];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (byte) (i % 2 == 0 ? 0x38 : 0x40);
        }
        w.add(Q + "." + packed, SafetensorsDtype.U8, new long[] {4, 16}, codes)
                .add(Q + "." + scale, SafetensorsDtype.F8_E4M3, new long[] {4, 2}, scales);
    }

    @Test
    void modelOptAndCompressedTensorsNvfp4DecodeAlike() throws IOException {
        float[][] modelOpt = new float[4][32];
        try (HfModelDirectory d = open("{\"quant_method\":\"modelopt\",\"quant_algo\":\"NVFP4\",\"group_size\":16}", w -> {
            nvfp4Tensors(w, "weight", "weight_scale");
            w.add(Q + ".weight_scale_2", SafetensorsDtype.F32, new long[] {}, f32(0.25f));
        })) {
            TensorView v = d.binder().matrix(Q + ".weight");
            check(v, QuantFormat.E2M1, new long[] {32, 4}, QuantFormat.F8_E4M3, 1, 16, 0.25f);
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 32; c++) {
                    modelOpt[r][c] = nvfp4(v, r, c);
                }
            }
        }
        // Element 1 of row 0 is code 1 (0.5) in the high nibble of byte 0, scale 1.0, global 0.25.
        assertEquals(0.125f, modelOpt[0][1]);
        // Element 17 is code 1 again, in the second group whose scale is 2.0.
        assertEquals(0.25f, modelOpt[0][17]);
        Files.delete(dir.resolve("model.safetensors"));
        String ct = """
                {"quant_method":"compressed-tensors","format":"nvfp4-pack-quantized","ignore":["lm_head"],
                 "config_groups":{"group_0":{"targets":["Linear"],
                   "weights":{"num_bits":4,"type":"float","strategy":"tensor_group","group_size":16,"symmetric":true},
                   "input_activations":{"num_bits":4,"type":"float","strategy":"tensor_group","group_size":16}}}}""";
        try (HfModelDirectory d = open(ct, w -> {
            nvfp4Tensors(w, "weight_packed", "weight_scale");
            // compressed-tensors stores the reciprocal of ModelOpt's weight_scale_2.
            w.add(Q + ".weight_global_scale", SafetensorsDtype.F32, new long[] {1}, f32(4f));
        })) {
            assertEquals(Scheme.COMPRESSED_NVFP4, d.binder().quantization().scheme());
            assertTrue(d.binder().hasMatrix(Q + ".weight"));
            TensorView v = d.binder().matrix(Q + ".weight");
            check(v, QuantFormat.E2M1, new long[] {32, 4}, QuantFormat.F8_E4M3, 1, 16, 0.25f);
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 32; c++) {
                    assertEquals(modelOpt[r][c], nvfp4(v, r, c), "element " + r + "," + c);
                }
            }
        }
    }

    private static String compressedFp8(String weights) {
        return "{\"quant_method\":\"compressed-tensors\",\"format\":\"float-quantized\",\"config_groups\":{\"g\":{"
                + "\"targets\":[\"Linear\"],\"weights\":" + weights + "}}}";
    }

    @Test
    void compressedTensorsFp8PerChannel() throws IOException {
        try (HfModelDirectory d = open(compressedFp8("{\"num_bits\":8,\"type\":\"float\",\"strategy\":\"channel\"}"), w -> w
                .add(Q + ".weight", SafetensorsDtype.F8_E4M3, new long[] {4, 32}, bytes(128, 0x38))
                .add(Q + ".weight_scale", SafetensorsDtype.BF16, new long[] {4, 1}, bytes(8, 0x3f)))) {
            check(d.binder().matrix(Q + ".weight"), QuantFormat.F8_E4M3, new long[] {32, 4}, QuantFormat.BF16, 1, 32, 1f);
        }
    }

    @Test
    void compressedTensorsFp8PerTensor() throws IOException {
        try (HfModelDirectory d = open(compressedFp8("{\"num_bits\":8,\"type\":\"float\",\"strategy\":\"tensor\"}"), w -> w
                .add(Q + ".weight", SafetensorsDtype.F8_E4M3, new long[] {4, 32}, bytes(128, 0x38))
                .add(Q + ".weight_scale", SafetensorsDtype.F32, new long[] {1}, f32(2f)))) {
            check(d.binder().matrix(Q + ".weight"), QuantFormat.F8_E4M3, new long[] {32, 4}, QuantFormat.F32, 4, 32, 1f);
        }
    }

    @Test
    void compressedTensorsFp8BlocksRoundUpAtTheEdges() throws IOException {
        String q = compressedFp8("{\"num_bits\":8,\"type\":\"float\",\"strategy\":\"block\",\"block_structure\":[2,16]}");
        try (HfModelDirectory d = open(q, w -> w
                .add(Q + ".weight", SafetensorsDtype.F8_E4M3, new long[] {5, 40}, bytes(200, 0x38))
                .add(Q + ".weight_scale", SafetensorsDtype.F32, new long[] {3, 3}, f32(1, 2, 3, 4, 5, 6, 7, 8, 9)))) {
            TensorView v = d.binder().matrix(Q + ".weight");
            check(v, QuantFormat.F8_E4M3, new long[] {40, 5}, QuantFormat.F32, 2, 16, 1f);
            // Row 4, column 39 falls in grid cell (2, 2), the last scale.
            WeightScales s = v.scales();
            assertEquals(9f, s.data().getAtIndex(LittleEndian.FLOAT, (4 / s.rowBlock()) * s.gridColumns(40) + 39 / s.columnBlock()));
        }
    }

    @Test
    void fp8BlockScalesAsDeepSeekStoresThem() throws IOException {
        String q = "{\"quant_method\":\"fp8\",\"fmt\":\"e4m3\",\"activation_scheme\":\"dynamic\",\"weight_block_size\":[128,128]}";
        try (HfModelDirectory d = open(q, w -> w
                .add(Q + ".weight", SafetensorsDtype.F8_E4M3, new long[] {130, 200}, bytes(130 * 200, 0x38))
                .add(Q + ".weight_scale_inv", SafetensorsDtype.F32, new long[] {2, 2}, f32(1, 2, 3, 4)))) {
            check(d.binder().matrix(Q + ".weight"), QuantFormat.F8_E4M3, new long[] {200, 130}, QuantFormat.F32, 128, 128, 1f);
        }
    }

    @Test
    void mxfp4BlocksAsGptOssStoresThem() throws IOException {
        String experts = "model.layers.0.mlp.experts.down_proj";
        try (HfModelDirectory d = open("{\"quant_method\":\"mxfp4\",\"modules_to_not_convert\":[\"lm_head\"]}", w -> w
                .add(experts + "_blocks", SafetensorsDtype.U8, new long[] {2, 3, 2, 16}, bytes(2 * 3 * 2 * 16, 0x21))
                .add(experts + "_scales", SafetensorsDtype.U8, new long[] {2, 3, 2}, bytes(12, 127)))) {
            assertEquals(Scheme.MXFP4, d.binder().quantization().scheme());
            TensorView v = d.binder().mxfp4(experts);
            check(v, QuantFormat.E2M1, new long[] {64, 3, 2}, QuantFormat.E8M0, 1, 32, 1f);
            assertEquals(6, v.rows(), "two experts of three rows");
        }
    }

    private ModelFormatException fails(String quantizationConfig, Consumer<SafetensorsWriter> tensors, String field,
            String... fragments) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> {
            try (HfModelDirectory d = open(quantizationConfig, tensors)) {
                d.binder().matrix(Q + ".weight");
            }
        });
        assertEquals(field, e.field(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "\"" + f + "\" missing from " + e.getMessage());
        }
        return e;
    }

    private static final Consumer<SafetensorsWriter> FP8_WEIGHT = w -> w
            .add(Q + ".weight", SafetensorsDtype.F8_E4M3, new long[] {4, 32}, bytes(128, 0x38));

    @Test
    void unsupportedQuantMethod() {
        fails("{\"quant_method\":\"gptq\",\"bits\":4}", FP8_WEIGHT, "quantization_config.quant_method", "\"gptq\"",
                "not supported");
    }

    @Test
    void unsupportedModelOptAlgorithm() {
        fails("{\"quant_method\":\"modelopt\",\"quant_algo\":\"W4A16_AWQ\"}", FP8_WEIGHT,
                "quantization_config.quant_algo", "W4A16_AWQ");
    }

    @Test
    void unsupportedCompressedTensorsFormat() {
        String q = "{\"quant_method\":\"compressed-tensors\",\"format\":\"pack-quantized\",\"config_groups\":{\"g\":{"
                + "\"weights\":{\"num_bits\":4,\"type\":\"int\",\"strategy\":\"group\",\"group_size\":128}}}}";
        fails(q, FP8_WEIGHT, "quantization_config.format", "pack-quantized");
    }

    @Test
    void unsupportedFp8Strategy() {
        fails(compressedFp8("{\"num_bits\":8,\"type\":\"float\",\"strategy\":\"token\"}"), FP8_WEIGHT,
                "quantization_config.config_groups.weights.strategy", "\"token\"");
    }

    @Test
    void asymmetricCompressedTensors() {
        fails(compressedFp8("{\"num_bits\":8,\"type\":\"float\",\"strategy\":\"channel\",\"symmetric\":false}"),
                FP8_WEIGHT, "quantization_config.config_groups.weights.symmetric", "zero_point");
    }

    @Test
    void fp8WithoutBlockSize() {
        fails("{\"quant_method\":\"fp8\"}", FP8_WEIGHT, "quantization_config.weight_block_size", "[rows, columns]");
    }

    @Test
    void missingScaleTensor() {
        fails("{\"quant_method\":\"modelopt\",\"quant_algo\":\"FP8\"}", FP8_WEIGHT, Q + ".weight",
                Q + ".weight_scale is missing");
    }

    @Test
    void missingGlobalScale() {
        fails("{\"quant_method\":\"modelopt\",\"quant_algo\":\"NVFP4\"}", w -> nvfp4Tensors(w, "weight", "weight_scale"),
                Q + ".weight", Q + ".weight_scale_2 is missing");
    }

    @Test
    void wrongBlockScaleShape() {
        fails("{\"quant_method\":\"fp8\",\"weight_block_size\":[128,128]}", w -> w
                .add(Q + ".weight", SafetensorsDtype.F8_E4M3, new long[] {130, 200}, bytes(130 * 200, 0x38))
                .add(Q + ".weight_scale_inv", SafetensorsDtype.F32, new long[] {2, 1}, f32(1, 2)),
                Q + ".weight_scale_inv", "expected a scale grid of shape [2, 2], found [2, 1]");
    }

    @Test
    void wrongNvfp4ScaleType() {
        fails("{\"quant_method\":\"modelopt\",\"quant_algo\":\"NVFP4\"}", w -> w
                .add(Q + ".weight", SafetensorsDtype.U8, new long[] {4, 16}, new byte[64])
                .add(Q + ".weight_scale", SafetensorsDtype.F32, new long[] {4, 2}, new byte[32])
                .add(Q + ".weight_scale_2", SafetensorsDtype.F32, new long[] {}, f32(1)),
                Q + ".weight_scale", "expected scales of type [F8_E4M3], found F32");
    }

    @Test
    void quantisedWeightWithoutADescription() {
        fails(null, FP8_WEIGHT, Q + ".weight", "F8_E4M3", "no quantization description");
    }

    @Test
    void mxfp4ScalesOfTheWrongShape() {
        String experts = "model.layers.0.mlp.experts.down_proj";
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> {
            try (HfModelDirectory d = open("{\"quant_method\":\"mxfp4\"}", w -> w
                    .add(experts + "_blocks", SafetensorsDtype.U8, new long[] {3, 2, 16}, new byte[96])
                    .add(experts + "_scales", SafetensorsDtype.U8, new long[] {3, 1}, new byte[3]))) {
                d.binder().mxfp4(experts);
            }
        });
        assertEquals(experts + "_scales", e.field());
        assertTrue(e.getMessage().contains("[3, 2]"), e.getMessage());
    }
}
