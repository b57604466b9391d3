package io.jinfer.loader.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json of the llama family: values, defaults, rope scaling, and errors naming the key. */
class HfConfigTest {
    @TempDir
    Path dir;

    private HfConfig read(String json) throws IOException {
        Files.writeString(dir.resolve(HfConfig.FILE), json);
        return HfConfig.read(dir);
    }

    private ModelFormatException fails(String json, String field, String fragment) throws IOException {
        Files.writeString(dir.resolve(HfConfig.FILE), json);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfConfig.read(dir));
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(dir.resolve(HfConfig.FILE), e.file());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        return e;
    }

    private static final String LLAMA32 = """
            {"model_type":"llama","hidden_size":2048,"num_hidden_layers":16,"num_attention_heads":32,
             "num_key_value_heads":8,"head_dim":64,"intermediate_size":8192,"rms_norm_eps":1e-05,
             "rope_theta":500000.0,"max_position_embeddings":131072,"tie_word_embeddings":true,
             "vocab_size":128256,"bos_token_id":128000,"eos_token_id":[128001,128008,128009],
             "hidden_act":"silu","torch_dtype":"bfloat16",
             "rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,
                             "original_max_position_embeddings":8192,"rope_type":"llama3"}}
            """;

    @Test
    void llama32Config() throws IOException {
        HfConfig c = read(LLAMA32);
        assertEquals("llama", c.modelType());
        assertEquals(2048, c.hiddenSize());
        assertEquals(16, c.layers());
        assertEquals(32, c.heads());
        assertEquals(8, c.kvHeads());
        assertEquals(64, c.headDim());
        assertEquals(64, c.ropeDims());
        assertEquals(8192, c.intermediateSize());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(131072, c.contextLength());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(128256, c.vocabSize());
        assertEquals(128000, c.bosTokenId());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertFalse(c.attentionBias());
        assertEquals("bfloat16", c.asMap().get("torch_dtype"));
    }

    @Test
    void llama3RopeScalingKeepsHighFrequenciesAndStretchesLowOnes() throws IOException {
        float[] f = read(LLAMA32).ropeFrequencyFactors();
        assertEquals(32, f.length);
        assertEquals(1f, f[0], "the fastest pair turns many times within the original context");
        assertEquals(32f, f[31], "the slowest pair is stretched by the full factor");
        boolean blended = false;
        for (int i = 1; i < f.length; i++) {
            assertTrue(f[i] >= f[i - 1], "factors grow with the wavelength");
            blended |= f[i] > 1f && f[i] < 32f;
        }
        assertTrue(blended, "some pairs lie between the two bands");
    }

    @Test
    void linearRopeScalingDividesEveryFrequency() throws IOException {
        HfConfig c = read("""
                {"model_type":"llama","hidden_size":64,"num_hidden_layers":1,"num_attention_heads":4,
                 "intermediate_size":128,"vocab_size":300,"rope_scaling":{"type":"linear","factor":2.0}}""");
        for (float x : c.ropeFrequencyFactors()) {
            assertEquals(2f, x);
        }
    }

    @Test
    void defaultsFollowTheLibrary() throws IOException {
        HfConfig c = read("""
                {"model_type":"qwen2","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,
                 "intermediate_size":128,"vocab_size":300,"eos_token_id":2,"rope_scaling":null}""");
        assertEquals(4, c.kvHeads());
        assertEquals(16, c.headDim());
        assertEquals(1e-6, c.rmsNormEps());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(2048, c.contextLength());
        assertFalse(c.tieWordEmbeddings());
        assertTrue(c.attentionBias(), "qwen2 always has Q/K/V biases");
        assertEquals(-1, c.bosTokenId());
        assertEquals(List.of(2), c.eosTokenIds());
        assertNull(c.ropeFrequencyFactors());
    }

    @Test
    void mistralSlidingWindowCapsTheContext() throws IOException {
        HfConfig c = read("""
                {"model_type":"mistral","hidden_size":64,"num_hidden_layers":1,"num_attention_heads":4,
                 "num_key_value_heads":2,"intermediate_size":128,"vocab_size":300,
                 "max_position_embeddings":32768,"sliding_window":4096}""");
        assertEquals(4096, c.contextLength());
    }

    @Test
    void unsupportedModelType() throws IOException {
        fails("{\"model_type\":\"gemma2\"}", "model_type", "gemma2");
    }

    @Test
    void missingHiddenSize() throws IOException {
        fails("{\"model_type\":\"llama\",\"num_hidden_layers\":1}", "hidden_size", "missing");
    }

    @Test
    void headsNotAMultipleOfKvHeads() throws IOException {
        fails("""
                {"model_type":"llama","hidden_size":64,"num_hidden_layers":1,"num_attention_heads":4,
                 "num_key_value_heads":3,"intermediate_size":128,"vocab_size":300}""", "num_key_value_heads", "multiple");
    }

    @Test
    void unsupportedRopeScaling() throws IOException {
        fails("""
                {"model_type":"qwen3","hidden_size":64,"num_hidden_layers":1,"num_attention_heads":4,
                 "intermediate_size":128,"vocab_size":300,"rope_scaling":{"rope_type":"yarn","factor":4.0}}""",
                "rope_scaling.rope_type", "yarn");
    }

    @Test
    void unsupportedActivation() throws IOException {
        fails("""
                {"model_type":"llama","hidden_size":64,"num_hidden_layers":1,"num_attention_heads":4,
                 "intermediate_size":128,"vocab_size":300,"hidden_act":"gelu"}""", "hidden_act", "gelu");
    }

    @Test
    void malformedJson() throws IOException {
        fails("{\"model_type\":", "(json)", "malformed JSON");
    }
}
