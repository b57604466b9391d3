package io.jinfer.cli;

import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.Model;
import io.jinfer.api.Runtime;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.TokenListener;
import io.jinfer.executor.plan.Plan;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code jinfer plan --measure}: runs the planned model on this machine's CPU as {@code bench} does
 * (random prompt, greedy decode, median of 3 runs after a warm-up) and prints predicted against
 * measured tokens/s. The prompt fills the context minus 32 decode tokens, in passes of the plan's
 * prefill chunk.
 */
final class PlanMeasurement {
    private static final int REPS = 3;
    private static final int DECODE_TOKENS = 32;

    private PlanMeasurement() {}

    static void compare(Plan plan, Path file, int threads, PrintStream err, PrintStream out) {
        int ctx = plan.request().contextLength();
        int decode = Math.min(DECODE_TOKENS, Math.max(1, ctx / 4));
        int prompt = Math.max(1, ctx - decode);
        int chunk = Math.min(4096, plan.request().prefillChunk());
        err.printf(Locale.ROOT, "jinfer: measuring %s on %d threads (prompt %d, decode %d, median of %d)%n",
                file.getFileName(), threads, prompt, decode, REPS);
        double[] prefill = new double[REPS];
        double[] dec = new double[REPS];
        try (Runtime rt = Runtime.builder().threads(threads).build(); Model model = rt.loadModel(file);
                Session s = model.newSession(SessionOptions.defaults().withContextLength(prompt + decode + 1)
                        .withBatchSize(chunk))) {
            SplittableRandom random = new SplittableRandom(1234);
            int[] tokens = new int[prompt];
            for (int i = 0; i < prompt; i++) {
                tokens[i] = random.nextInt(model.vocabularySize());
            }
            GenerationRequest req = GenerationRequest.builder(tokens).sampling(SamplingParams.GREEDY)
                    .maxTokens(decode).stopAtEndOfGeneration(false).build();
            for (int rep = -1; rep < REPS; rep++) {
                s.reset();
                GenerationResult r = s.generate(req, TokenListener.NONE);
                if (rep >= 0) {
                    prefill[rep] = r.prefillTokensPerSecond();
                    dec[rep] = r.decodeTokensPerSecond();
                }
            }
        }
        double mp = Stats.median(prefill);
        double md = Stats.median(dec);
        double pp = plan.prediction().prefillTokensPerSecond();
        double pd = plan.prediction().decodeTokensPerSecond();
        out.println("measured (this machine, " + threads + " threads)");
        out.printf(Locale.ROOT, "  prefill  predicted %s, measured %s tokens/s: predicted/measured %.2f%n",
                PlanCommand.speed(pp), PlanCommand.speed(mp), pp / mp);
        out.printf(Locale.ROOT, "  decode   predicted %s, measured %s tokens/s: predicted/measured %.2f%n",
                PlanCommand.speed(pd), PlanCommand.speed(md), pd / md);
    }
}
