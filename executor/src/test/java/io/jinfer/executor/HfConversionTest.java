package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.Session;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.quant.ModelOptExporter;
import io.jinfer.loader.quant.ModelOptOptions;
import io.jinfer.loader.quant.ModelQuantizer;
import io.jinfer.loader.quant.ModelQuantizerOptions;
import io.jinfer.loader.synth.Architecture;
import io.jinfer.loader.synth.SyntheticModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Converting and quantising Hugging Face directories: the GGUF file converted from a directory gives
 * the directory's logits; a directory quantised to a GGUF type gives the logits of the equivalent GGUF
 * file quantised to it (and of llama-quantize's file for the shared master); ModelOpt FP8/NVFP4
 * checkpoints built from the master decode the master's greedy tokens wherever its top-1/top-2
 * margin exceeds the format's error.
 */
class HfConversionTest {
    private static final int[] TOKENS = {1, 40, 300, 77, 5, 260, 511, 3, 90, 14, 15, 16};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static float[][] logits(Path model, int[] tokens) {
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(model);
                Session s = m.newSession()) {
            return s.evaluate(tokens);
        }
    }

    private static double maxDiff(float[][] a, float[][] b) {
        double worst = 0;
        for (int t = 0; t < a.length; t++) {
            for (int v = 0; v < a[t].length; v++) {
                worst = Math.max(worst, Math.abs(a[t][v] - b[t][v]));
            }
        }
        return worst;
    }

    /** The GGUF model as a directory with a Unigram tokenizer.json of its vocabulary. */
    private Path directory(SyntheticModel spec, Path gguf, String name) {
        Path hf = dir.resolve(name);
        HfCheckpoints.write(spec, gguf, hf, 1);
        writeTokenizer(gguf, hf);
        return hf;
    }

    static void writeTokenizer(Path gguf, Path hf) {
        try (GgufFile in = GgufFile.open(gguf)) {
            GgufMetadata md = in.metadata();
            List<String> tokens = md.getStringArray("tokenizer.ggml.tokens");
            float[] scores = md.getFloatArray("tokenizer.ggml.scores");
            long[] types = md.getLongArray("tokenizer.ggml.token_type");
            ObjectNode root = JSON.createObjectNode();
            ArrayNode added = root.putArray("added_tokens");
            for (int i = 0; i < tokens.size(); i++) {
                if (types[i] == 3) {
                    added.addObject().put("id", i).put("content", tokens.get(i)).put("special", true);
                }
            }
            ObjectNode model = root.putObject("model").put("type", "Unigram").put("byte_fallback", true)
                    .put("unk_id", md.getInt("tokenizer.ggml.unknown_token_id", 0));
            ArrayNode vocab = model.putArray("vocab");
            for (int i = 0; i < tokens.size(); i++) {
                vocab.addArray().add(tokens.get(i)).add(scores[i]);
            }
            Files.writeString(hf.resolve("tokenizer.json"), JSON.writeValueAsString(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path quantize(Path in, String out, QuantFormat type) {
        Path target = dir.resolve(out);
        new ModelQuantizer(ModelQuantizerOptions.builder(type).threads(2).build()).quantize(in, target);
        return target;
    }

    @ParameterizedTest
    @CsvSource({"LLAMA, F32, false, F32", "LLAMA, BF16, true, BF16", "QWEN2, F32, false, F16", "QWEN3, F32, true, F32"})
    void convertedFileGivesTheDirectorysLogits(Architecture arch, QuantFormat format, boolean tied, QuantFormat out) {
        SyntheticModel spec = SyntheticModel.tiny().withArchitecture(arch).withWeightFormat(format).withTiedEmbeddings(tied);
        Path hf = directory(spec, TestModels.write(spec), "hf");
        Path gguf = quantize(hf, "converted.gguf", out);
        double worst = maxDiff(logits(hf, TOKENS), logits(gguf, TOKENS));
        // F16 output rounds F32 weights; the others keep every weight.
        assertTrue(worst <= (out == QuantFormat.F16 && format == QuantFormat.F32 ? 2e-2 : 1e-4), "largest logit difference " + worst);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_K", "NVFP4"})
    void quantisedDirectoryGivesTheLogitsOfTheQuantisedGguf(QuantFormat type) {
        SyntheticModel spec = SyntheticModel.tiny().withWeightFormat(QuantFormat.F32);
        Path master = TestModels.write(spec);
        Path hf = directory(spec, master, "hf");
        float[][] viaDirectory = logits(quantize(hf, "a.gguf", type), TOKENS);
        float[][] viaGguf = logits(quantize(master, "b.gguf", type), TOKENS);
        assertEquals(0.0, maxDiff(viaDirectory, viaGguf), "the same tensors give the same logits");
        double fromF32 = maxDiff(viaDirectory, logits(hf, TOKENS));
        assertTrue(fromF32 > 0, "the weights were quantised: " + fromF32);
    }

    /** The shared master as a directory, quantised, gives the logits of llama-quantize's file. */
    @ParameterizedTest
    @ValueSource(strings = {"q8_0", "q4_0", "q4_k", "q6_k", "mxfp4", "nvfp4"})
    void sharedMasterDirectoryMatchesLlamaQuantizeFiles(String type) {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        Path expected = SharedFixtures.require("models/synth-llama-" + type + ".gguf");
        Path hf = dir.resolve("master");
        HfCheckpoints.writeFromGguf(master, hf);
        writeTokenizer(master, hf);
        Path mine = quantize(hf, type + ".gguf", ModelQuantizer.parseTarget(type));
        double worst = maxDiff(logits(expected, TOKENS), logits(mine, TOKENS));
        // Golden tolerance for quantised formats is 0.4; the tensors are llama-quantize's own, so the logits agree exactly.
        assertTrue(worst <= 1e-6, "largest logit difference " + worst);
    }

    /**
     * ModelOpt checkpoints of the shared master: greedy decoding of the master, replayed teacher-forced
     * on the checkpoint, picks the same token wherever the master's top-1/top-2 margin exceeds the
     * format's error. For FP8 that error is a fixed bound (the format keeps 3 mantissa bits; its
     * logit error on this model stays near 1); for NVFP4 it is, step by step, the largest logit
     * error of llama-quantize's NVFP4 file of the master, the same format made by another quantiser.
     * A margin of 0 means the NVFP4 rule.
     */
    @ParameterizedTest
    @CsvSource({"FP8, TENSOR, 0.5", "FP8, CHANNEL, 0.5", "NVFP4, TENSOR, 0"})
    void modelOptCheckpointDecodesTheMastersTokens(ModelOptOptions.Algorithm algo, ModelOptOptions.Granularity g,
            double margin) {
        Path master = SharedFixtures.require("models/synth-llama-f32.gguf");
        Path hf = dir.resolve("master");
        HfCheckpoints.writeFromGguf(master, hf);
        writeTokenizer(master, hf);
        Path ckpt = dir.resolve("ckpt");
        new ModelOptExporter(ModelOptOptions.of(algo).withGranularity(g)).export(hf, ckpt);
        int steps = 48;
        int[] seq = new int[steps];
        seq[0] = 1;
        float[][] reference;
        try (Runtime rt = Runtime.builder().threads(2).build(); Model m = rt.loadModel(master); Session s = m.newSession()) {
            for (int k = 1; k < steps; k++) {
                float[][] l = s.evaluate(new int[] {seq[k - 1]});
                seq[k] = argmax(l[0], -1);
            }
        }
        reference = logits(master, seq);
        float[][] quantised = logits(ckpt, seq);
        float[][] sameFormat = margin == 0
                ? logits(SharedFixtures.require("models/synth-llama-nvfp4.gguf"), seq) : null;
        double formatWorst = 0;
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(ckpt)) {
            assertEquals(algo == ModelOptOptions.Algorithm.FP8 ? QuantFormat.F8_E4M3 : QuantFormat.E2M1, m.weightFormat());
        }
        int checked = 0;
        int agree = 0;
        int agreeSameFormat = 0;
        double worst = 0;
        for (int k = 0; k < steps; k++) {
            int top = argmax(reference[k], -1);
            double gap = reference[k][top] - reference[k][argmax(reference[k], top)];
            double stepError = 0;
            for (int v = 0; v < reference[k].length; v++) {
                worst = Math.max(worst, Math.abs(reference[k][v] - quantised[k][v]));
                if (sameFormat != null) {
                    stepError = Math.max(stepError, Math.abs(reference[k][v] - sameFormat[k][v]));
                }
            }
            formatWorst = Math.max(formatWorst, stepError);
            agree += argmax(quantised[k], -1) == top ? 1 : 0;
            agreeSameFormat += sameFormat != null && argmax(sameFormat[k], -1) == top ? 1 : 0;
            if (gap > (sameFormat != null ? stepError : margin)) {
                assertEquals(top, argmax(quantised[k], -1), "step " + k + ", margin " + gap);
                checked++;
            }
        }
        System.out.printf("ModelOpt %s/%s: max |d logits| vs F32 master %.4f (llama-quantize's file of the format: "
                + "%.4f), %d of %d steps checked, top-1 agrees at %d steps (llama-quantize's file: %d)%n", algo, g, worst,
                formatWorst, checked, steps, agree, agreeSameFormat);
        if (sameFormat == null) {
            assertTrue(checked >= steps / 4, "only " + checked + " steps had a margin above the format's error");
        } else {
            // NVFP4 moves this random-weight model's logits by more than most of its margins, so few steps
            // qualify; the checkpoint must then agree with the master about as often as the GGUF file does.
            assertTrue(checked >= 1, "no step had a margin above the format's error");
            assertTrue(agree >= agreeSameFormat - 4, agree + " agreeing steps, llama-quantize's file " + agreeSameFormat);
        }
        double bound = sameFormat != null ? 1.5 * formatWorst : 4 * margin;
        assertTrue(worst > 0 && worst < bound, "largest logit difference " + worst + ", bound " + bound);
    }

    private static int argmax(float[] v, int skip) {
        int best = -1;
        for (int i = 0; i < v.length; i++) {
            if (i != skip && (best < 0 || v[i] > v[best])) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void directoryWithoutTokenizerIsNamed() {
        SyntheticModel spec = SyntheticModel.tiny().withWeightFormat(QuantFormat.F32);
        Path hf = dir.resolve("bare");
        HfCheckpoints.write(spec, TestModels.write(spec), hf, 1);
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.jinfer.api.ModelFormatException.class,
                () -> quantize(hf, "x.gguf", QuantFormat.Q8_0));
        assertTrue(e.getMessage().contains("has no tokenizer.json"), e.getMessage());
    }
}
