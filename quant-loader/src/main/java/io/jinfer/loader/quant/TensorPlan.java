package io.jinfer.loader.quant;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufTensorInfo;
import java.util.List;

/**
 * What {@link ModelQuantizer} does with one tensor, decided as {@code llama-quantize --pure} does:
 * weight matrices are converted to the target format, everything else is copied unchanged.
 *
 * @param info the tensor in the input file
 * @param format the format written: the target, a fallback, or the input's own format for a copy
 * @param convert whether rows are converted ({@code false}: the bytes are copied)
 * @param fallback whether {@code format} replaces the target because the row length is not a
 *     multiple of the target's block size
 */
record TensorPlan(GgufTensorInfo info, QuantFormat format, boolean convert, boolean fallback) {

    /** Formats a converted tensor may be read from. */
    static final List<QuantFormat> SOURCE_FORMATS = List.of(QuantFormat.F32, QuantFormat.F16, QuantFormat.BF16);

    /**
     * Name parts of 2-D weights llama-quantize never quantises (norms, expert gates, position and
     * token-type embeddings, small state-space and RWKV mixing weights, relative position biases).
     */
    private static final List<String> KEPT = List.of("_norm.weight", "ffn_gate_inp.weight", "altup", "laurel",
            "per_layer_model_proj", "ssm_conv1d.weight", "shortconv.conv.weight", "time_mix_first.weight",
            "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_v0.weight",
            "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight", "time_mix_a1.weight",
            "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight", "time_mix_decay_w1.weight",
            "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd.");

    /**
     * @param info a tensor of the input
     * @param target the format asked for
     * @return the plan for it
     */
    static TensorPlan of(GgufTensorInfo info, QuantFormat target) {
        if (!isWeightMatrix(info) || info.format() == target) {
            return new TensorPlan(info, info.format(), false, false);
        }
        QuantFormat format = compatibleFormat(target, info.shape()[0]);
        if (format == info.format()) {
            return new TensorPlan(info, format, false, true);
        }
        return new TensorPlan(info, format, true, format != target);
    }

    /**
     * Whether llama-quantize quantises the tensor: its name ends in {@code weight}, it has at least
     * two dimensions larger than one (ggml ignores trailing dimensions of 1), and it is not one of
     * the tensors llama-quantize keeps as they are.
     *
     * @param info a tensor
     * @return whether it is converted to the target format
     */
    static boolean isWeightMatrix(GgufTensorInfo info) {
        String name = info.name();
        if (!name.endsWith("weight") || effectiveDims(info.shape()) < 2) {
            return false;
        }
        if (name.equals("position_embd.weight") || name.equals("token_types.weight")) {
            return false;
        }
        for (String part : KEPT) {
            if (name.contains(part)) {
                return false;
            }
        }
        return true;
    }

    /** ggml's {@code ggml_n_dims}: the rank without trailing dimensions of 1, at least 1. */
    private static int effectiveDims(long[] shape) {
        for (int d = shape.length - 1; d >= 1; d--) {
            if (shape[d] > 1) {
                return d + 1;
            }
        }
        return 1;
    }

    /**
     * The format a tensor with rows of {@code rowLength} values gets when the target is asked for.
     * For a row length that is not a multiple of the target's block size this is llama-quantize's
     * fallback (which it applies outside {@code --pure}; with {@code --pure} it gives up): Q2_K,
     * Q3_K and IQ4_XS become IQ4_NL, Q4_K becomes Q5_0, Q5_K Q5_1 and Q6_K Q8_0, and F16 when the
     * fallback does not fit either. Formats for which llama-quantize has no fallback and fails
     * (the 32-value formats) become F16, and NVFP4 becomes MXFP4 first: jinfer's choices.
     *
     * @param target the format asked for
     * @param rowLength values per row
     * @return the target, or the fallback
     */
    static QuantFormat compatibleFormat(QuantFormat target, long rowLength) {
        if (rowLength % target.blockSize() == 0) {
            return target;
        }
        QuantFormat fallback = switch (target) {
            case Q2_K, Q3_K, IQ4_XS -> QuantFormat.IQ4_NL;
            case Q4_K -> QuantFormat.Q5_0;
            case Q5_K -> QuantFormat.Q5_1;
            case Q6_K -> QuantFormat.Q8_0;
            case NVFP4 -> QuantFormat.MXFP4;
            default -> QuantFormat.F16;
        };
        return rowLength % fallback.blockSize() == 0 ? fallback : QuantFormat.F16;
    }

    /** @return the tensor's name */
    String name() {
        return info.name();
    }

    /** @return values per row */
    int rowLength() {
        return Math.toIntExact(info.shape()[0]);
    }

    /** @return rows: every dimension after the first together */
    long rows() {
        return info.elementCount() / info.shape()[0];
    }

    /** @return bytes written for the tensor */
    long outputBytes() {
        return convert ? format.rowBytes(rowLength()) * rows() : info.byteSize();
    }
}
