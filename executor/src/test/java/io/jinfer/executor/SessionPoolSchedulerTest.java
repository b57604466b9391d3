package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jinfer.api.ContextOverflowException;
import io.jinfer.api.FinishReason;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.QueueFullException;
import io.jinfer.api.Runtime;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.ScheduledGeneration;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.TokenListener;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionPoolSchedulerTest {

    @TempDir
    Path dir;

    private Path model() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModels.write(SyntheticModel.tiny(), file);
        return file;
    }

    private static GenerationRequest request(int seed) {
        return GenerationRequest.builder("once upon a time " + seed)
                .sampling(SamplingParams.builder().temperature(0.8f).seed(seed).build())
                .maxTokens(12).stopAtEndOfGeneration(false).build();
    }

    @Test
    void concurrentGenerationsMatchRunningThemAlone() throws Exception {
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(model())) {
            List<int[]> alone = new ArrayList<>();
            try (Session s = m.newSession()) {
                for (int i = 0; i < 6; i++) {
                    s.reset();
                    alone.add(s.generate(request(i), TokenListener.NONE).tokens());
                }
            }
            try (GenerationScheduler sch = m.newScheduler(SchedulerOptions.defaults().withParallel(3))) {
                List<ScheduledGeneration> gens = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    gens.add(sch.submit(request(i), TokenListener.NONE));
                }
                for (int i = 0; i < 6; i++) {
                    GenerationResult r = gens.get(i).result().get(60, TimeUnit.SECONDS);
                    assertArrayEquals(alone.get(i), r.tokens(), "request " + i);
                }
            }
        }
    }

    @Test
    void refusesWhatCannotFitAndWhatOverflowsTheQueue() throws Exception {
        try (Runtime rt = Runtime.builder().threads(1).build(); Model m = rt.loadModel(model())) {
            SchedulerOptions opts = new SchedulerOptions(1, 1, SessionOptions.defaults().withContextLength(32));
            try (GenerationScheduler sch = m.newScheduler(opts)) {
                GenerationRequest tooLong = GenerationRequest.builder("hello").maxTokens(40).build();
                assertThrows(ContextOverflowException.class, () -> sch.submit(tooLong, TokenListener.NONE));
                CountDownLatch started = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                ScheduledGeneration first = sch.submit(request(1), (t, s) -> {
                    started.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return true;
                });
                started.await(30, TimeUnit.SECONDS);
                ScheduledGeneration queued = sch.submit(request(2), TokenListener.NONE);
                assertThrows(QueueFullException.class, () -> sch.submit(request(3), TokenListener.NONE));
                queued.cancel();
                assertEquals(FinishReason.CANCELLED, queued.result().get(10, TimeUnit.SECONDS).finishReason());
                first.cancel();
                release.countDown();
                assertEquals(FinishReason.CANCELLED, first.result().get(30, TimeUnit.SECONDS).finishReason());
            }
        }
    }
}
