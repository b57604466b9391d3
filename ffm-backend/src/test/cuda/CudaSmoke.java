// On-GPU end-to-end check (not part of the Maven build): CPU vs cuda logits on synthetic models, and
// llama1b Q4_0 decode speed with "big". Needs the reactor classes and a driver; see docs/architecture.md.
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.Session;
import io.jinfer.api.TokenListener;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.nio.file.Files;
import java.nio.file.Path;

public class CudaSmoke {
    public static void main(String[] a) throws Exception {
        Path dir = Files.createTempDirectory("cuda-smoke");
        int[] prompt = new int[24];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 1 + (i * 37) % 500;
        for (QuantFormat f : new QuantFormat[] {QuantFormat.F32, QuantFormat.F16, QuantFormat.Q8_0, QuantFormat.Q4_0, QuantFormat.MXFP4, QuantFormat.NVFP4, QuantFormat.Q4_K}) {
            SyntheticModel spec = new SyntheticModel(io.jinfer.loader.synth.Architecture.LLAMA, 256, 4, 8, 4, 768, 512, 512, 10000f, false, f, 7);
            Path file = dir.resolve("m-" + f + ".gguf");
            SyntheticModels.write(spec, file);
            float[][] cpu, gpu;
            try (Runtime rt = Runtime.builder().threads(4).build(); Model m = rt.loadModel(file); Session s = m.newSession()) {
                cpu = s.evaluate(prompt);
            }
            try (Runtime rt = Runtime.builder().device("cuda").threads(4).build(); Model m = rt.loadModel(file); Session s = m.newSession()) {
                gpu = s.evaluate(prompt);
            }
            double max = 0; int agree = 0;
            for (int t = 0; t < cpu.length; t++) {
                int ac = 0, ag = 0;
                for (int v = 0; v < cpu[t].length; v++) {
                    max = Math.max(max, Math.abs(cpu[t][v] - gpu[t][v]));
                    if (cpu[t][v] > cpu[t][ac]) ac = v;
                    if (gpu[t][v] > gpu[t][ag]) ag = v;
                }
                if (ac == ag) agree++;
            }
            System.out.printf("%s: max |logit cpu - cuda| %.4f over %d positions, argmax agrees %d/%d%n", f, max, cpu.length, agree, cpu.length);
        }
        if (a.length > 0) {
            Path big = dir.resolve("llama1b-q4_0.gguf");
            long t0 = System.nanoTime();
            SyntheticModels.write(SyntheticModel.llama1b(), big, 16);
            System.out.printf("llama1b Q4_0 written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            for (String dev : new String[] {"cuda", "cpu"}) {
                try (Runtime rt = Runtime.builder().device(dev).threads(16).build(); Model m = rt.loadModel(big); Session s = m.newSession()) {
                    GenerationRequest req = GenerationRequest.builder(new int[] {1, 2, 3, 4, 5, 6, 7, 8}).maxTokens(32)
                            .stopAtEndOfGeneration(false).sampling(SamplingParams.builder().temperature(0f).build()).build();
                    s.generate(req, TokenListener.NONE);
                    s.reset();
                    GenerationResult r = s.generate(req, TokenListener.NONE);
                    System.out.printf("llama1b Q4_0 on %s (16 CPU threads for the rest): decode %.1f tok/s%n", dev, r.decodeTokensPerSecond());
                }
            }
        }
    }
}
