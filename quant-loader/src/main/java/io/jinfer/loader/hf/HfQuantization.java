package io.jinfer.loader.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.jinfer.api.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How a checkpoint says its weights are quantised: NVIDIA ModelOpt ({@code hf_quant_config.json} or a
 * {@code quantization_config} with {@code quant_method: modelopt}), compressed-tensors
 * ({@code float-quantized} FP8 and {@code nvfp4-pack-quantized}), FP8 with 2-D block scales
 * ({@code quant_method: fp8}, as DeepSeek-V3 and Qwen3-FP8 store them) or MXFP4 (gpt-oss). Anything
 * else is refused with a message naming it.
 *
 * @param scheme the storage scheme
 * @param source the file the description came from, or null when the checkpoint is not quantised
 * @param blockRows rows one weight scale covers (for {@link Scheme#COMPRESSED_FP8} and {@link Scheme#FP8_BLOCK});
 *     0 means all rows
 * @param blockColumns columns one weight scale covers; 0 means all columns
 */
public record HfQuantization(Scheme scheme, Path source, int blockRows, int blockColumns) {

    /** Name of ModelOpt's description file. */
    public static final String MODELOPT_FILE = "hf_quant_config.json";

    /** Storage schemes jinfer reads. */
    public enum Scheme {
        /** Plain F32/F16/BF16 weights. */
        NONE,
        /** ModelOpt FP8: {@code weight} E4M3, {@code weight_scale} per tensor or per output channel. */
        MODELOPT_FP8,
        /** ModelOpt NVFP4: packed E2M1, E4M3 scales per 16 values, FP32 {@code weight_scale_2}. */
        MODELOPT_NVFP4,
        /** compressed-tensors {@code float-quantized}: E4M3 weights, scales per tensor, channel, group or block. */
        COMPRESSED_FP8,
        /** compressed-tensors {@code nvfp4-pack-quantized}: {@code weight_packed}, {@code weight_scale}, {@code weight_global_scale}. */
        COMPRESSED_NVFP4,
        /** {@code quant_method: fp8}: E4M3 weights with {@code weight_scale_inv} per 2-D block. */
        FP8_BLOCK,
        /** gpt-oss MXFP4: {@code *_blocks} of E2M1 with {@code *_scales} of E8M0 per 32 values. */
        MXFP4
    }

    /** The description of a checkpoint with plain weights. */
    public static final HfQuantization NONE = new HfQuantization(Scheme.NONE, null, 0, 0);

    /**
     * Reads the description from a model directory: {@code hf_quant_config.json} when present, else
     * {@code quantization_config} in {@code config.json}.
     *
     * @param directory the model directory
     * @param config its parsed configuration
     * @return the description ({@link #NONE} when the checkpoint is not quantised)
     * @throws ModelFormatException naming the method, algorithm, format or strategy that is not supported
     */
    public static HfQuantization read(Path directory, HfConfig config) {
        Path modelopt = directory.resolve(MODELOPT_FILE);
        if (Files.isRegularFile(modelopt)) {
            JsonNode root = HfConfig.readJson(modelopt);
            JsonNode q = root.get("quantization");
            if (q == null || !q.isObject()) {
                throw new ModelFormatException(modelopt, -1, "quantization", "expected an object with quant_algo");
            }
            return modelOpt(modelopt, new JsonFields(modelopt, "quantization."), q);
        }
        JsonNode q = config.json().get("quantization_config");
        if (q == null || q.isNull()) {
            return NONE;
        }
        Path file = config.file();
        JsonFields f = new JsonFields(file, "quantization_config.");
        if (!q.isObject()) {
            throw f.error("", "expected an object, found " + q);
        }
        String method = f.string(q, "quant_method", null).toLowerCase(Locale.ROOT);
        return switch (method) {
            case "modelopt" -> modelOpt(file, f, q);
            case "compressed-tensors" -> compressedTensors(file, f, q);
            case "fp8" -> fp8Block(file, f, q);
            case "mxfp4" -> new HfQuantization(Scheme.MXFP4, file, 1, 32);
            default -> throw f.error("quant_method", "\"" + method + "\" is not supported; jinfer reads modelopt, "
                    + "compressed-tensors, fp8 and mxfp4 checkpoints");
        };
    }

    private static HfQuantization modelOpt(Path file, JsonFields f, JsonNode q) {
        String algo = f.string(q, "quant_algo", null).toUpperCase(Locale.ROOT);
        return switch (algo) {
            case "FP8" -> new HfQuantization(Scheme.MODELOPT_FP8, file, 0, 0);
            case "NVFP4" -> {
                int group = f.positiveInt(q, "group_size", 16);
                if (group != 16) {
                    throw f.error("group_size", "NVFP4 uses groups of 16, found " + group);
                }
                yield new HfQuantization(Scheme.MODELOPT_NVFP4, file, 1, 16);
            }
            default -> throw f.error("quant_algo", "ModelOpt algorithm \"" + algo
                    + "\" is not supported; jinfer reads FP8 and NVFP4");
        };
    }

    private static HfQuantization compressedTensors(Path file, JsonFields f, JsonNode q) {
        String format = f.string(q, "format", "");
        JsonNode groups = q.get("config_groups");
        if (groups == null || !groups.isObject() || groups.isEmpty()) {
            throw f.error("config_groups", "expected at least one quantization group");
        }
        JsonNode weights = null;
        String groupFormat = format;
        for (var e : groups.properties()) {
            JsonNode w = e.getValue().get("weights");
            if (w == null || w.isNull()) {
                continue;
            }
            if (weights != null && !weights.equals(w)) {
                throw f.error("config_groups." + e.getKey(), "groups with different weight schemes are not supported");
            }
            weights = w;
            if (JsonFields.present(e.getValue(), "format")) {
                groupFormat = f.child("config_groups." + e.getKey() + ".").string(e.getValue(), "format", null);
            }
        }
        if (weights == null) {
            throw f.error("config_groups", "no group quantises weights");
        }
        JsonFields wf = f.child("config_groups.weights.");
        String type = wf.string(weights, "type", null);
        int bits = wf.positiveInt(weights, "num_bits");
        String strategy = wf.string(weights, "strategy", null);
        if (!wf.bool(weights, "symmetric", true)) {
            throw wf.error("symmetric", "asymmetric weights (with a weight_zero_point) are not supported");
        }
        switch (groupFormat) {
            case "float-quantized" -> {
                if (!type.equals("float") || bits != 8) {
                    throw wf.error("type", "float-quantized needs 8-bit float weights, found " + bits + "-bit " + type);
                }
                return switch (strategy) {
                    case "tensor" -> new HfQuantization(Scheme.COMPRESSED_FP8, file, 0, 0);
                    case "channel" -> new HfQuantization(Scheme.COMPRESSED_FP8, file, 1, 0);
                    case "group" -> new HfQuantization(Scheme.COMPRESSED_FP8, file, 1, wf.positiveInt(weights, "group_size"));
                    case "block" -> {
                        JsonNode b = weights.get("block_structure");
                        if (b == null || !b.isArray() || b.size() != 2 || !b.get(0).canConvertToInt()
                                || !b.get(1).canConvertToInt() || b.get(0).intValue() < 1 || b.get(1).intValue() < 1) {
                            throw wf.error("block_structure", "expected [rows, columns], found " + b);
                        }
                        yield new HfQuantization(Scheme.COMPRESSED_FP8, file, b.get(0).intValue(), b.get(1).intValue());
                    }
                    default -> throw wf.error("strategy", "FP8 strategy \"" + strategy
                            + "\" is not supported; expected tensor, channel, group or block");
                };
            }
            case "nvfp4-pack-quantized" -> {
                int group = wf.positiveInt(weights, "group_size", 16);
                if (!type.equals("float") || bits != 4 || group != 16) {
                    throw wf.error("group_size", "nvfp4-pack-quantized needs 4-bit float weights in groups of 16, found "
                            + bits + "-bit " + type + " in groups of " + group);
                }
                return new HfQuantization(Scheme.COMPRESSED_NVFP4, file, 1, 16);
            }
            default -> throw f.error("format", "compressed-tensors format \"" + groupFormat
                    + "\" is not supported; jinfer reads float-quantized and nvfp4-pack-quantized");
        }
    }

    private static HfQuantization fp8Block(Path file, JsonFields f, JsonNode q) {
        String fmt = f.string(q, "fmt", "e4m3");
        if (!fmt.equals("e4m3")) {
            throw f.error("fmt", "expected e4m3, found \"" + fmt + "\"");
        }
        JsonNode b = q.get("weight_block_size");
        if (b == null || !b.isArray() || b.size() != 2 || !b.get(0).canConvertToInt() || !b.get(1).canConvertToInt()
                || b.get(0).intValue() < 1 || b.get(1).intValue() < 1) {
            throw f.error("weight_block_size", "expected [rows, columns] of the scale blocks, found " + b);
        }
        return new HfQuantization(Scheme.FP8_BLOCK, file, b.get(0).intValue(), b.get(1).intValue());
    }
}
