package io.jinfer.loader.quant;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufTensorInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * llama.cpp's mixed K-quant file types: most weight matrices in a base format, and the tensors that
 * hurt quality most when coarse in a finer one, decided per tensor the way {@code llama-quantize}
 * decides them for llama-like models:
 * <ul>
 *   <li>the output matrix (the token embedding when it is tied) in Q6_K;</li>
 *   <li>Q4_K_M and Q5_K_M: {@code attn_v} and {@code ffn_down} in Q6_K in the layers where more bits
 *       pay off most (the first and last eighth of the layers and every third layer between);</li>
 *   <li>Q3_K_M: {@code attn_v} in Q5_K in the first two layers and Q4_K after, {@code ffn_down} in
 *       Q5_K in the first sixteenth of the layers and Q4_K after, {@code attn_output} in Q4_K.</li>
 * </ul>
 * Rows whose length the chosen format cannot hold fall back as for a pure file.
 */
public enum QuantMix {
    /** Q3_K with Q4_K/Q5_K/Q6_K where it matters (llama file type 12). */
    Q3_K_M(QuantFormat.Q3_K),
    /** Q4_K with Q6_K where it matters (llama file type 15). */
    Q4_K_M(QuantFormat.Q4_K),
    /** Q5_K with Q6_K where it matters (llama file type 17). */
    Q5_K_M(QuantFormat.Q5_K);

    private final QuantFormat base;

    QuantMix(QuantFormat base) {
        this.base = base;
    }

    /**
     * Returns the format of the tensors that get no special treatment.
     *
     * @return the base format
     */
    public QuantFormat base() {
        return base;
    }

    /**
     * Returns the name typed on a command line.
     *
     * @return e.g. {@code q4_k_m}
     */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Finds the mix a command-line name means.
     *
     * @param name e.g. {@code q4_k_m}, in any case
     * @return the mix, or empty when the name is no mix
     */
    public static Optional<QuantMix> parse(String name) {
        for (QuantMix m : values()) {
            if (m.cliName().equals(name.toLowerCase(Locale.ROOT))) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /**
     * Decides the format of every weight matrix of a model.
     *
     * @param tensors the model's tensors in llama.cpp's order ({@link LlamaTensorOrder})
     * @return the format per tensor name, for the tensors that {@link TensorPlan} converts
     */
    Map<String, QuantFormat> plan(List<GgufTensorInfo> tensors) {
        int attnV = count(tensors, ".attn_v.weight");
        int ffnDown = count(tensors, ".ffn_down.weight");
        boolean hasOutput = tensors.stream().anyMatch(t -> t.name().equals("output.weight"));
        Map<String, QuantFormat> out = new HashMap<>();
        int iAttnV = 0;
        int iFfnDown = 0;
        for (GgufTensorInfo t : tensors) {
            String name = t.name();
            QuantFormat f = base;
            if (name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"))) {
                f = t.shape()[0] % 256 != 0 ? QuantFormat.Q8_0 : QuantFormat.Q6_K;
            } else if (name.endsWith(".attn_v.weight")) {
                f = switch (this) {
                    case Q3_K_M -> iAttnV < 2 ? QuantFormat.Q5_K : QuantFormat.Q4_K;
                    case Q4_K_M, Q5_K_M -> moreBits(iAttnV, attnV) ? QuantFormat.Q6_K : base;
                };
                iAttnV++;
            } else if (name.endsWith(".ffn_down.weight")) {
                f = switch (this) {
                    case Q3_K_M -> iFfnDown < ffnDown / 16 ? QuantFormat.Q5_K : QuantFormat.Q4_K;
                    case Q4_K_M, Q5_K_M -> moreBits(iFfnDown, ffnDown) ? QuantFormat.Q6_K : base;
                };
                iFfnDown++;
            } else if (name.endsWith(".attn_output.weight") && this == Q3_K_M) {
                f = QuantFormat.Q4_K;
            }
            out.put(name, f);
        }
        return out;
    }

    private static boolean moreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private static int count(List<GgufTensorInfo> tensors, String suffix) {
        return (int) tensors.stream().filter(t -> t.name().endsWith(suffix)).count();
    }
}
