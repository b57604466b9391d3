package io.jinfer.loader.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufTensorInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which tensors are converted, to what, and in which order they are written. */
class TensorPlanTest {

    private static GgufTensorInfo info(String name, QuantFormat f, long... shape) {
        return new GgufTensorInfo(name, f, shape, 0, io.jinfer.api.spi.TensorView.bytesFor(f, shape));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "blk.0.attn_q.weight | 256 | 256 | true",
        "token_embd.weight | 256 | 512 | true",
        "output.weight | 256 | 512 | true",
        "blk.3.ffn_down_exps.weight | 256 | 64 | true",
        "blk.0.attn_norm.weight | 256 | 1 | false",
        "blk.0.attn_q.bias | 256 | 256 | false",
        "blk.0.ffn_gate_inp.weight | 256 | 8 | false",
        "blk.0.attn_q_norm.weight | 64 | 2 | false",
        "position_embd.weight | 256 | 512 | false",
        "blk.0.ssm_conv1d.weight | 4 | 256 | false"})
    void convertsWhatLlamaQuantizeQuantises(String name, long cols, long rows, boolean converted) {
        TensorPlan p = TensorPlan.of(info(name, QuantFormat.F32, cols, rows), QuantFormat.Q8_0);
        assertEquals(converted, p.convert(), name);
        assertEquals(converted ? QuantFormat.Q8_0 : QuantFormat.F32, p.format());
    }

    @Test
    void oneDimensionalAndTrailingOnesAreKept() {
        assertFalse(TensorPlan.isWeightMatrix(info("blk.0.attn_q.weight", QuantFormat.F32, 256)));
        assertFalse(TensorPlan.isWeightMatrix(info("blk.0.attn_q.weight", QuantFormat.F32, 256, 1, 1)));
        assertTrue(TensorPlan.isWeightMatrix(info("blk.0.attn_q.weight", QuantFormat.F32, 256, 1, 4)));
    }

    @Test
    void aTensorAlreadyInTheTargetIsCopied() {
        TensorPlan p = TensorPlan.of(info("blk.0.attn_q.weight", QuantFormat.F16, 256, 256), QuantFormat.F16);
        assertFalse(p.convert());
        assertFalse(p.fallback());
        assertEquals(256 * 256 * 2, p.outputBytes());
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"Q4_K, 256, Q4_K", "Q4_K, 128, Q5_0", "Q4_K, 48, F16", "Q5_K, 96, Q5_1", "Q6_K, 32, Q8_0",
        "Q2_K, 64, IQ4_NL", "Q3_K, 64, IQ4_NL", "IQ4_XS, 64, IQ4_NL", "Q8_0, 48, F16", "IQ4_NL, 16, F16",
        "NVFP4, 64, NVFP4", "NVFP4, 32, MXFP4", "BF16, 3, BF16"})
    void fallbacks(QuantFormat target, long rowLength, QuantFormat expected) {
        assertEquals(expected, TensorPlan.compatibleFormat(target, rowLength));
    }

    @Test
    void llamaCppOrderPutsGlobalTensorsFirstThenLayersByNumber() {
        List<String> names = new ArrayList<>(List.of("blk.10.attn_q.weight", "blk.2.ffn_up.weight", "token_embd.weight",
                "blk.2.attn_k.weight", "output_norm.weight", "output.weight", "blk.0.attn_norm.weight",
                "blkx.weight"));
        names.sort(LlamaTensorOrder::compare);
        assertEquals(List.of("blkx.weight", "output.weight", "output_norm.weight", "token_embd.weight",
                "blk.0.attn_norm.weight", "blk.2.attn_k.weight", "blk.2.ffn_up.weight", "blk.10.attn_q.weight"),
                names);
        assertEquals(-1, LlamaTensorOrder.layer("blk.x.weight"));
        assertEquals(12, LlamaTensorOrder.layer("blk.12.attn_q.weight"));
    }
}
