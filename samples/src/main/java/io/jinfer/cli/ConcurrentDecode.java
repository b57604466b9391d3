package io.jinfer.cli;

import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.ScheduledGeneration;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.SessionOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench --concurrency N}: N streams at once through the model's scheduler (continuous batching),
 * each with its own random prompt. The aggregate decode speed is counted over the window in which all N
 * streams decode: from the moment the last of them produced its first token to the moment the first of
 * them finished, the tokens produced by all of them in between divided by its length. Prefill, and the
 * ramps where fewer streams run, are left out, as in the single-stream decode figure.
 */
final class ConcurrentDecode implements AutoCloseable {
    private final Model model;
    private final int streams;
    private final int promptTokens;
    private final int decodeTokens;
    private final GenerationScheduler scheduler;

    /** Opens a scheduler with {@code streams} slots and contexts for the prompt and the decoded tokens. */
    ConcurrentDecode(Model model, int streams, int promptTokens, int decodeTokens) {
        this.model = model;
        this.streams = streams;
        this.promptTokens = promptTokens;
        this.decodeTokens = decodeTokens;
        SessionOptions session = SessionOptions.defaults().withContextLength(promptTokens + decodeTokens + 1);
        // one slot more than the streams, for the gate of each run
        this.scheduler = model.newScheduler(new SchedulerOptions(streams + 1, streams, session));
    }

    /** @return the aggregate decode tokens/s of one run with prompts drawn from {@code seed} */
    double run(long seed) {
        return once(model, scheduler, streams, promptTokens, decodeTokens, seed);
    }

    @Override
    public void close() {
        scheduler.close();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(1, TimeUnit.HOURS)) {
                throw new CommandException("the scheduler did not start the run within an hour");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted");
        }
    }

    private static double once(Model model, GenerationScheduler scheduler, int streams, int promptTokens,
            int decodeTokens, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        // each token's time, per stream: the window is found afterwards
        long[][] times = new long[streams][decodeTokens];
        // A gate holds the scheduler thread in a listener until every stream is queued, so all of them
        // are admitted at the same step, however slowly this thread submits them.
        CountDownLatch submitted = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        GenerationRequest gateRequest = GenerationRequest.builder(new int[] {1}).sampling(SamplingParams.GREEDY)
                .maxTokens(1).stopAtEndOfGeneration(false).build();
        ScheduledGeneration gate = scheduler.submit(gateRequest, (token, text) -> {
            holding.countDown();
            try {
                return submitted.await(1, TimeUnit.HOURS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        await(holding);
        List<ScheduledGeneration> gens = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            int[] prompt = new int[promptTokens];
            for (int j = 0; j < prompt.length; j++) {
                prompt[j] = random.nextInt(model.vocabularySize());
            }
            GenerationRequest request = GenerationRequest.builder(prompt).sampling(SamplingParams.GREEDY)
                    .maxTokens(decodeTokens).stopAtEndOfGeneration(false).build();
            long[] mine = times[i];
            AtomicLong count = new AtomicLong();
            gens.add(scheduler.submit(request, (token, text) -> {
                mine[(int) count.getAndIncrement()] = System.nanoTime();
                return true;
            }));
        }
        submitted.countDown();
        gate.result().join();
        for (ScheduledGeneration g : gens) {
            try {
                GenerationResult r = g.result().get(1, TimeUnit.HOURS);
                if (r.generatedTokens() != decodeTokens) {
                    throw new CommandException("a stream generated " + r.generatedTokens() + " tokens instead of "
                            + decodeTokens + " (" + r.finishReason() + ")");
                }
            } catch (ExecutionException e) {
                throw new CommandException("a stream failed: " + e.getCause().getMessage());
            } catch (InterruptedException | TimeoutException e) {
                throw new CommandException("the concurrent run did not finish: " + e);
            }
        }
        long start = Long.MIN_VALUE;
        long end = Long.MAX_VALUE;
        for (long[] t : times) {
            start = Math.max(start, t[0]);
            end = Math.min(end, t[decodeTokens - 1]);
        }
        if (end <= start) {
            throw new CommandException("--concurrency: the streams never all decoded at once (the first finished"
                    + " before the last started); use a larger -n or a shorter -p");
        }
        long tokens = 0;
        for (long[] t : times) {
            for (long v : t) {
                if (v > start && v <= end) {
                    tokens++;
                }
            }
        }
        return tokens * 1e9 / (end - start);
    }
}
