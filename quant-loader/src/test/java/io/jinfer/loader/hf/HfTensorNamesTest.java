package io.jinfer.loader.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GGUF roles and Hugging Face names map one to one. */
class HfTensorNamesTest {
    @ParameterizedTest
    @CsvSource({
        "token_embd.weight, model.embed_tokens.weight",
        "output_norm.weight, model.norm.weight",
        "output.weight, lm_head.weight",
        "blk.0.attn_norm.weight, model.layers.0.input_layernorm.weight",
        "blk.11.attn_q.weight, model.layers.11.self_attn.q_proj.weight",
        "blk.11.attn_q.bias, model.layers.11.self_attn.q_proj.bias",
        "blk.2.attn_k.weight, model.layers.2.self_attn.k_proj.weight",
        "blk.2.attn_v.bias, model.layers.2.self_attn.v_proj.bias",
        "blk.3.attn_output.weight, model.layers.3.self_attn.o_proj.weight",
        "blk.3.attn_q_norm.weight, model.layers.3.self_attn.q_norm.weight",
        "blk.3.attn_k_norm.weight, model.layers.3.self_attn.k_norm.weight",
        "blk.4.ffn_norm.weight, model.layers.4.post_attention_layernorm.weight",
        "blk.4.ffn_gate.weight, model.layers.4.mlp.gate_proj.weight",
        "blk.4.ffn_up.weight, model.layers.4.mlp.up_proj.weight",
        "blk.4.ffn_down.weight, model.layers.4.mlp.down_proj.weight"
    })
    void rolesMapBothWays(String role, String hf) {
        assertEquals(Optional.of(hf), HfTensorNames.toHf(role));
        assertEquals(Optional.of(role), HfTensorNames.toRole(hf));
    }

    @ParameterizedTest
    @CsvSource({"rope_freqs.weight", "blk.0.ffn_gate_exps.weight", "model.layers.0.mlp.experts.gate_up_proj_blocks"})
    void namesWithoutACounterpart(String name) {
        assertTrue(HfTensorNames.toHf(name).isEmpty());
        assertTrue(HfTensorNames.toRole(name).isEmpty());
    }
}
