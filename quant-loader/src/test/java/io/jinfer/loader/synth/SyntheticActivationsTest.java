package io.jinfer.loader.synth;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs the first position of a Llama forward pass on the generator's float weights (at position 0
 * attention over one key returns V unchanged, so no rope or softmax is needed) and checks that the
 * weight scales keep activations of order one through many layers and give logits of the advertised
 * spread.
 */
class SyntheticActivationsTest {

    @Test
    void activationsStayOfOrderOneThroughDepthAndLogitsHaveTheDocumentedSpread() {
        SyntheticModel spec = new SyntheticModel(Architecture.LLAMA, 128, 16, 4, 2, 384, 400, 256, 10000f, true,
                QuantFormat.F32, 11);
        Map<String, SyntheticTensor> t = new HashMap<>();
        SyntheticModels.tensors(spec).forEach(x -> t.put(x.name(), x));
        int group = spec.heads() / spec.kvHeads();
        for (int token : new int[] {1, 300, 399}) {
            float[] x = new float[spec.dim()];
            t.get("token_embd.weight").fillRow(spec.seed(), token, x, 0);
            for (int l = 0; l < spec.layers(); l++) {
                String p = "blk." + l + ".";
                float[] h = rmsNorm(x);
                float[] v = matVec(spec, t.get(p + "attn_v.weight"), h);
                float[] attn = new float[spec.dim()];
                for (int head = 0; head < spec.heads(); head++) {
                    System.arraycopy(v, (head / group) * spec.headDim(), attn, head * spec.headDim(), spec.headDim());
                }
                add(x, matVec(spec, t.get(p + "attn_output.weight"), attn));
                h = rmsNorm(x);
                float[] gate = matVec(spec, t.get(p + "ffn_gate.weight"), h);
                float[] up = matVec(spec, t.get(p + "ffn_up.weight"), h);
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = (float) (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
                }
                add(x, matVec(spec, t.get(p + "ffn_down.weight"), gate));
                double rms = rms(x);
                assertTrue(rms > 0.05 && rms < 20, "residual rms " + rms + " after layer " + l);
            }
            float[] logits = matVec(spec, t.get("token_embd.weight"), rmsNorm(x));
            double std = rms(logits);
            System.out.printf("token %d: residual rms %.2f after %d layers, logit std %.2f%n", token, rms(x),
                    spec.layers(), std);
            assertTrue(std > SyntheticModels.OUTPUT_GAIN / 2 && std < SyntheticModels.OUTPUT_GAIN * 2,
                    "logit standard deviation " + std);
        }
    }

    private static float[] matVec(SyntheticModel spec, SyntheticTensor w, float[] in) {
        float[] row = new float[w.rowLength()];
        float[] out = new float[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            w.fillRow(spec.seed(), r, row, 0);
            double s = 0;
            for (int c = 0; c < row.length; c++) {
                s += row[c] * (double) in[c];
            }
            out[r] = (float) s;
        }
        return out;
    }

    private static float[] rmsNorm(float[] x) {
        double scale = 1 / Math.sqrt(rms(x) * rms(x) + SyntheticModel.RMS_NORM_EPS);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (x[i] * scale); // norm weights are all 1
        }
        return out;
    }

    private static double rms(float[] x) {
        double s = 0;
        for (float v : x) {
            s += v * (double) v;
        }
        return Math.sqrt(s / x.length);
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
