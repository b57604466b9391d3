package io.jinfer.executor.plan;

import io.jinfer.api.Precision;
import io.jinfer.api.QuantFormat;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** What a weight format costs: bytes per weight, and the precision its products run at. */
public final class WeightFormats {
    private static final Map<String, QuantFormat> ALIASES = Map.of(
            "fp8", QuantFormat.F8_E4M3, "f8", QuantFormat.F8_E4M3, "e4m3", QuantFormat.F8_E4M3,
            "fp4", QuantFormat.NVFP4, "fp16", QuantFormat.F16, "fp32", QuantFormat.F32);
    /** Formats that are not weight formats (integers, activation-only blocks, bare scales). */
    private static final Set<QuantFormat> NOT_WEIGHTS = EnumSet.of(QuantFormat.I8, QuantFormat.I16,
            QuantFormat.I32, QuantFormat.I64, QuantFormat.F64, QuantFormat.Q8_1, QuantFormat.Q8_K,
            QuantFormat.E8M0, QuantFormat.E2M1);

    private WeightFormats() {}

    /**
     * Parses a format name: any {@link QuantFormat} name in any case, or {@code fp8} (E4M3),
     * {@code fp4} (NVFP4), {@code fp16}, {@code fp32}.
     *
     * @param name the name
     * @return the format
     * @throws IllegalArgumentException naming the accepted formats when it is none of them
     */
    public static QuantFormat parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        QuantFormat f = ALIASES.get(n);
        if (f == null) {
            for (QuantFormat q : QuantFormat.values()) {
                if (q.name().toLowerCase(Locale.ROOT).equals(n)) {
                    f = q;
                }
            }
        }
        if (f == null || NOT_WEIGHTS.contains(f)) {
            throw new IllegalArgumentException("unknown weight format '" + name + "'; use one of nvfp4, mxfp4, fp8, "
                    + "q4_0, q4_k, q5_k, q6_k, q8_0, f16, bf16, f32 (or any ggml type name)");
        }
        return f;
    }

    /**
     * Returns the storage cost of one weight.
     *
     * @param f the format
     * @return bytes per weight, block scales included (e.g. 18/32 for Q4_0, 36/64 for NVFP4, 1 for FP8)
     */
    public static double bytesPerWeight(QuantFormat f) {
        return (double) f.bytesPerBlock() / f.blockSize();
    }

    /**
     * Returns the precision a device multiplies weights of this format in: FP4 for the E2M1 formats,
     * FP8 for the FP8 formats, FP16 for F16/BF16, FP32 for F32, and INT8 for ggml's integer block
     * formats (their dot products run on 8-bit integers, as llama.cpp's kernels do).
     *
     * @param f the format
     * @return the precision
     */
    public static Precision precision(QuantFormat f) {
        return switch (f) {
            case NVFP4, MXFP4, E2M1 -> Precision.FP4;
            case F8_E4M3, F8_E5M2 -> Precision.FP8;
            case F16, BF16 -> Precision.FP16;
            case F32, F64 -> Precision.FP32;
            default -> Precision.INT8;
        };
    }

    /**
     * Tells whether checkpoints in this format keep the token embedding and output projection in BF16
     * (as FP8 and NVFP4 checkpoints from NVIDIA ModelOpt and llm-compressor do); GGUF formats store them
     * in the file's format here.
     *
     * @param f the format
     * @return whether embedding and output stay BF16
     */
    public static boolean keepsEmbeddingsWide(QuantFormat f) {
        return !f.isGguf() || f == QuantFormat.NVFP4 || f == QuantFormat.MXFP4;
    }
}
