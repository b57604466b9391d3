package io.jinfer.loader.hf;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import io.jinfer.loader.hf.HfQuantization.Scheme;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import io.jinfer.loader.safetensors.SafetensorsDtype;
import io.jinfer.loader.safetensors.SafetensorsTensor;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Turns the tensors of a checkpoint into zero-copy {@link TensorView}s in ggml's shape order, reading
 * the scale tensors that its {@link HfQuantization} says travel beside quantised weights:
 * <ul>
 *   <li>ModelOpt FP8: {@code weight} E4M3 with {@code weight_scale} per tensor or per output channel;</li>
 *   <li>ModelOpt NVFP4: {@code weight} U8 (two E2M1 codes a byte, element 2i in the low nibble),
 *       {@code weight_scale} E4M3 per 16 values, {@code weight_scale_2} the global factor;</li>
 *   <li>compressed-tensors FP8: {@code weight} E4M3 with {@code weight_scale} per tensor, channel,
 *       group or block;</li>
 *   <li>compressed-tensors NVFP4: {@code weight_packed}, {@code weight_scale} and
 *       {@code weight_global_scale}, which divides (compressed-tensors stores the reciprocal of
 *       ModelOpt's {@code weight_scale_2});</li>
 *   <li>FP8 blocks: {@code weight} E4M3 with {@code weight_scale_inv} per 2-D block, which multiplies
 *       despite its name;</li>
 *   <li>MXFP4: {@code <name>_blocks} U8 of 16 bytes per 32 values and {@code <name>_scales} E8M0.</li>
 * </ul>
 * Weights stored as F32, F16 or BF16 are plain whatever the description says (quantisers leave some
 * modules, such as {@code lm_head}, unquantised).
 */
public final class HfTensorBinder {
    private static final Set<SafetensorsDtype> DENSE = EnumSet.of(SafetensorsDtype.F32, SafetensorsDtype.F16,
            SafetensorsDtype.BF16);
    private static final Set<SafetensorsDtype> FLOAT_SCALES = DENSE;
    private static final Set<SafetensorsDtype> E4M3_SCALES = EnumSet.of(SafetensorsDtype.F8_E4M3);
    private static final Set<SafetensorsDtype> E8M0_SCALES = EnumSet.of(SafetensorsDtype.U8, SafetensorsDtype.F8_E8M0);

    private final SafetensorsCheckpoint checkpoint;
    private final HfQuantization quantization;

    /**
     * Binds the tensors of a checkpoint under its quantization description.
     *
     * @param checkpoint the open checkpoint
     * @param quantization how its weights are stored
     */
    public HfTensorBinder(SafetensorsCheckpoint checkpoint, HfQuantization quantization) {
        this.checkpoint = checkpoint;
        this.quantization = quantization;
    }

    /**
     * Returns the quantization description the binder follows.
     *
     * @return the description
     */
    public HfQuantization quantization() {
        return quantization;
    }

    /**
     * Tells whether the checkpoint stores a weight matrix of this name, plain or quantised.
     *
     * @param weightName a name ending in {@code .weight}
     * @return whether it is present in any of the schemes' spellings
     */
    public boolean hasMatrix(String weightName) {
        String module = module(weightName);
        return checkpoint.hasTensor(weightName) || checkpoint.hasTensor(module + ".weight_packed")
                || checkpoint.hasTensor(module + "_blocks");
    }

    /**
     * Returns a weight matrix with its scales.
     *
     * @param weightName the weight's name, ending in {@code .weight} (for example
     *     {@code model.layers.0.self_attn.q_proj.weight})
     * @return the view, shape {@code [in, out]}; quantised formats carry {@link WeightScales}
     * @throws ModelFormatException naming the tensor when it or a scale is missing, of the wrong type or shape
     */
    public TensorView matrix(String weightName) {
        String module = module(weightName);
        if (quantization.scheme() == Scheme.COMPRESSED_NVFP4 && checkpoint.hasTensor(module + ".weight_packed")) {
            return nvfp4(weightName, module + ".weight_packed", module + ".weight_scale", module + ".weight_global_scale",
                    true);
        }
        if (quantization.scheme() == Scheme.MXFP4 && !checkpoint.hasTensor(weightName)
                && checkpoint.hasTensor(module + "_blocks")) {
            return mxfp4(module);
        }
        SafetensorsTensor w = checkpoint.tensor(weightName);
        if (w.shape().length != 2) {
            throw ScaleTensors.error(w, "expected a 2-D weight [out, in], found shape " + Arrays.toString(w.shape()));
        }
        if (DENSE.contains(w.dtype())) {
            return w.toView();
        }
        return switch (quantization.scheme()) {
            case NONE -> throw ScaleTensors.error(w, "weight of type " + w.dtype()
                    + " but the checkpoint has no quantization description (config.json quantization_config or "
                    + HfQuantization.MODELOPT_FILE + ")");
            case MODELOPT_FP8 -> fp8(w, module + ".weight_scale", true);
            case COMPRESSED_FP8, FP8_BLOCK -> fp8(w, module + (quantization.scheme() == Scheme.FP8_BLOCK
                    ? ".weight_scale_inv" : ".weight_scale"), false);
            case MODELOPT_NVFP4 -> nvfp4(weightName, weightName, module + ".weight_scale", module + ".weight_scale_2",
                    false);
            case COMPRESSED_NVFP4, MXFP4 -> throw ScaleTensors.error(w, "weight of type " + w.dtype() + " is not how "
                    + quantization.scheme() + " stores weights");
        };
    }

    private TensorView fp8(SafetensorsTensor w, String scaleName, boolean modelOpt) {
        if (w.dtype() != SafetensorsDtype.F8_E4M3 && w.dtype() != SafetensorsDtype.F8_E5M2) {
            throw ScaleTensors.error(w, "expected an F8_E4M3 weight under " + quantization.scheme() + ", found " + w.dtype());
        }
        long out = w.shape()[0];
        long in = w.shape()[1];
        SafetensorsTensor s = scale(w, scaleName);
        QuantFormat sf = ScaleTensors.format(s, FLOAT_SCALES);
        int rowBlock;
        int columnBlock;
        if (modelOpt) {
            // ModelOpt writes one scale per tensor, or one per output channel.
            boolean perTensor = s.elementCount() == 1;
            rowBlock = perTensor ? Math.toIntExact(out) : 1;
            columnBlock = Math.toIntExact(in);
        } else {
            rowBlock = quantization.blockRows() == 0 ? Math.toIntExact(out) : quantization.blockRows();
            columnBlock = quantization.blockColumns() == 0 ? Math.toIntExact(in) : quantization.blockColumns();
        }
        WeightScales scales = new WeightScales(sf, s.data(), rowBlock, columnBlock, 1f);
        ScaleTensors.expectGrid(s, scales.gridRows(out), scales.gridColumns(in));
        QuantFormat wf = w.dtype() == SafetensorsDtype.F8_E4M3 ? QuantFormat.F8_E4M3 : QuantFormat.F8_E5M2;
        return new TensorView(w.name(), wf, new long[] {in, out}, w.data(), scales);
    }

    private TensorView nvfp4(String viewName, String packedName, String scaleName, String globalName, boolean reciprocal) {
        SafetensorsTensor w = checkpoint.tensor(packedName);
        long[] shape = w.shape();
        if (w.dtype() != SafetensorsDtype.U8 || shape.length != 2) {
            throw ScaleTensors.error(w, "expected NVFP4 codes as a 2-D U8 tensor [out, in/2], found " + w.dtype()
                    + Arrays.toString(shape));
        }
        long out = shape[0];
        long in = shape[1] * 2;
        if (in % 16 != 0) {
            throw ScaleTensors.error(w, "expected a row length that is a multiple of 16, found " + in);
        }
        SafetensorsTensor s = scale(w, scaleName);
        QuantFormat sf = ScaleTensors.format(s, E4M3_SCALES);
        ScaleTensors.expectGrid(s, out, in / 16);
        float global = ScaleTensors.scalar(scale(w, globalName));
        WeightScales scales = new WeightScales(sf, s.data(), 1, 16, reciprocal ? 1f / global : global);
        return new TensorView(viewName, QuantFormat.E2M1, new long[] {in, out}, w.data(), scales);
    }

    /**
     * Returns an MXFP4 tensor stored as gpt-oss stores it: {@code <base>_blocks} U8
     * {@code [..., rows, groups, 16]} (element 2i in the low nibble) and {@code <base>_scales} U8
     * {@code [..., rows, groups]} of E8M0 exponents, one per 32 values.
     *
     * @param base the name without the {@code _blocks} / {@code _scales} suffix
     * @return an E2M1 view of shape {@code [groups * 32, rows, ...]} with a 1 x 32 E8M0 grid
     * @throws ModelFormatException when either tensor is missing or their shapes disagree
     */
    public TensorView mxfp4(String base) {
        SafetensorsTensor b = checkpoint.tensor(base + "_blocks");
        long[] s = b.shape();
        if (b.dtype() != SafetensorsDtype.U8 || s.length < 3 || s[s.length - 1] != 16) {
            throw ScaleTensors.error(b, "expected MXFP4 blocks as U8 [..., rows, groups, 16], found " + b.dtype()
                    + Arrays.toString(s));
        }
        SafetensorsTensor sc = scale(b, base + "_scales");
        QuantFormat sf = ScaleTensors.format(sc, E8M0_SCALES);
        long[] expected = Arrays.copyOf(s, s.length - 1);
        if (!Arrays.equals(sc.shape(), expected)) {
            throw ScaleTensors.error(sc, "expected a scale grid of shape " + Arrays.toString(expected) + ", found "
                    + Arrays.toString(sc.shape()));
        }
        long[] ggml = new long[s.length - 1];
        ggml[0] = s[s.length - 2] * 32;
        for (int i = 1; i < ggml.length; i++) {
            ggml[i] = s[s.length - 2 - i];
        }
        WeightScales scales = new WeightScales(sf, sc.data(), 1, 32, 1f);
        return new TensorView(base, QuantFormat.E2M1, ggml, b.data(), scales);
    }

    /**
     * Returns the activation scale a checkpoint recorded for a quantised module ({@code input_scale});
     * jinfer keeps activations in float on the CPU, so it is only recorded.
     *
     * @param weightName the module's weight name
     * @return the scale, or empty when the checkpoint has none for it
     */
    public OptionalDouble inputScale(String weightName) {
        String name = module(weightName) + ".input_scale";
        return checkpoint.hasTensor(name) ? OptionalDouble.of(ScaleTensors.scalar(checkpoint.tensor(name)))
                : OptionalDouble.empty();
    }

    private SafetensorsTensor scale(SafetensorsTensor weight, String name) {
        if (!checkpoint.hasTensor(name)) {
            throw ScaleTensors.error(weight, "quantised as " + quantization.scheme() + " but its scale tensor " + name
                    + " is missing");
        }
        return checkpoint.tensor(name);
    }

    private static String module(String weightName) {
        return weightName.endsWith(".weight") ? weightName.substring(0, weightName.length() - ".weight".length())
                : weightName;
    }
}
