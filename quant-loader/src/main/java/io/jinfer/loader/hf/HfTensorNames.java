package io.jinfer.loader.hf;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps jinfer's tensor roles, which are llama.cpp's GGUF names ({@code blk.N.attn_q.weight}), to the
 * names Hugging Face checkpoints of the llama family use ({@code model.layers.N.self_attn.q_proj.weight})
 * and back.
 */
public final class HfTensorNames {
    private static final Map<String, String> GLOBAL = Map.of(
            "token_embd", "model.embed_tokens",
            "output_norm", "model.norm",
            "output", "lm_head");
    private static final Map<String, String> LAYER = Map.ofEntries(
            Map.entry("attn_norm", "input_layernorm"),
            Map.entry("attn_q", "self_attn.q_proj"),
            Map.entry("attn_k", "self_attn.k_proj"),
            Map.entry("attn_v", "self_attn.v_proj"),
            Map.entry("attn_output", "self_attn.o_proj"),
            Map.entry("attn_q_norm", "self_attn.q_norm"),
            Map.entry("attn_k_norm", "self_attn.k_norm"),
            Map.entry("ffn_norm", "post_attention_layernorm"),
            Map.entry("ffn_gate", "mlp.gate_proj"),
            Map.entry("ffn_up", "mlp.up_proj"),
            Map.entry("ffn_down", "mlp.down_proj"));
    private static final Pattern ROLE = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.(weight|bias)");
    private static final Pattern HF = Pattern.compile("model\\.layers\\.(\\d+)\\.([a-z_.]+)\\.(weight|bias)");

    private HfTensorNames() {}

    /**
     * Returns the Hugging Face name of a jinfer role.
     *
     * @param role a GGUF tensor name such as {@code blk.3.ffn_down.weight}
     * @return the checkpoint's name, or empty when the role has no counterpart (such as {@code rope_freqs.weight})
     */
    public static Optional<String> toHf(String role) {
        Matcher m = ROLE.matcher(role);
        if (m.matches()) {
            String module = LAYER.get(m.group(2));
            return module == null ? Optional.empty()
                    : Optional.of("model.layers." + m.group(1) + "." + module + "." + m.group(3));
        }
        int dot = role.lastIndexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        String module = GLOBAL.get(role.substring(0, dot));
        return module == null ? Optional.empty() : Optional.of(module + role.substring(dot));
    }

    /**
     * Returns the jinfer role of a Hugging Face tensor name.
     *
     * @param hfName a checkpoint name such as {@code model.layers.3.mlp.down_proj.weight}
     * @return the GGUF name, or empty when jinfer does not use the tensor
     */
    public static Optional<String> toRole(String hfName) {
        Matcher m = HF.matcher(hfName);
        if (m.matches()) {
            for (Map.Entry<String, String> e : LAYER.entrySet()) {
                if (e.getValue().equals(m.group(2))) {
                    return Optional.of("blk." + m.group(1) + "." + e.getKey() + "." + m.group(3));
                }
            }
            return Optional.empty();
        }
        int dot = hfName.lastIndexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        String module = hfName.substring(0, dot);
        for (Map.Entry<String, String> e : GLOBAL.entrySet()) {
            if (e.getValue().equals(module)) {
                return Optional.of(e.getKey() + hfName.substring(dot));
            }
        }
        return Optional.empty();
    }
}
