package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.BudgetExceededException;
import io.jinfer.api.ContextOverflowException;
import io.jinfer.api.FinishReason;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.QueueFullException;
import io.jinfer.api.Runtime;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.ScheduledGeneration;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.SubmitOptions;
import io.jinfer.api.TokenListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The continuous-batching scheduler: identity with running alone, interleaving, admission, cancellation. */
class BatchingSchedulerTest {
    private static final int PAGE = KvPagePool.PAGE_SIZE;

    private static Runtime runtime(String kernels) {
        Runtime.Builder b = Runtime.builder().threads(2);
        return switch (kernels) {
            case "reference", "reference-f16" -> b.referenceKernels(true).build();
            case "vector" -> b.nativeKernels(false).build();
            default -> b.build();
        };
    }

    private static Model model(Runtime rt) {
        return rt.loadModel(TestModels.small(QuantFormat.Q8_0));
    }

    private static int[] tokens(int seed, int n) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 1 + r.nextInt(500);
        }
        return t;
    }

    private static GenerationRequest request(int seed, int promptLength, int maxTokens) {
        return GenerationRequest.builder(tokens(seed, promptLength))
                .sampling(SamplingParams.builder().temperature(0.9f).topK(40).seed(seed).build())
                .maxTokens(maxTokens).stopAtEndOfGeneration(false).build();
    }

    private static SchedulerOptions options(int parallel, int maxQueued, int chunk) {
        return new SchedulerOptions(parallel, maxQueued,
                SessionOptions.defaults().withContextLength(256).withBatchSize(chunk));
    }

    private static GenerationResult await(ScheduledGeneration g) throws Exception {
        return g.result().get(60, TimeUnit.SECONDS);
    }

    /**
     * Whether this runtime's kernels give each token's row the same bits whatever the number of rows in
     * the product: the precondition of batched == alone. Probed end to end on the model.
     */
    private static boolean rowsIndependentOfBatch(Model m) {
        int[] t = tokens(99, 9);
        try (Session s = m.newSession(SessionOptions.defaults().withContextLength(64))) {
            float[][] together = s.evaluate(t);
            s.reset();
            for (int i = 0; i < t.length; i++) {
                if (!java.util.Arrays.equals(together[i], s.evaluate(new int[] {t[i]})[0])) {
                    return false;
                }
            }
        }
        return true;
    }

    @ParameterizedTest(name = "{0} kernels")
    @ValueSource(strings = {"reference", "reference-f16", "vector", "default"})
    void batchedStreamsMatchRunningThemAlone(String kernels) throws Exception {
        QuantFormat kv = kernels.endsWith("f16") ? QuantFormat.F16 : QuantFormat.F32;
        int[] prompts = {3, 17, 40, 5, 70, 1, 33};
        int[] maxTokens = {20, 7, 15, 30, 10, 25, 12};
        try (Runtime rt = runtime(kernels); Model m = model(rt)) {
            if (!kernels.startsWith("reference")) {
                Assumptions.assumeTrue(rowsIndependentOfBatch(m), kernels + " kernels on this branch give a row"
                        + " different bits at different batch sizes, so batched output cannot match alone");
            }
            List<GenerationResult> alone = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                try (Session s = m.newSession(SessionOptions.defaults().withContextLength(256).withKvCacheFormat(kv))) {
                    alone.add(s.generate(request(i, prompts[i], maxTokens[i]), TokenListener.NONE));
                }
            }
            // 4 slots for 7 requests: some join mid-way; chunks of 16 split the long prompts across steps
            SchedulerOptions opts = options(4, 16, 16);
            try (GenerationScheduler sch = m.newScheduler(opts.withSession(opts.session().withKvCacheFormat(kv)))) {
                List<ScheduledGeneration> gens = new ArrayList<>();
                for (int i = 0; i < prompts.length; i++) {
                    gens.add(sch.submit(request(i, prompts[i], maxTokens[i]), TokenListener.NONE));
                }
                for (int i = 0; i < prompts.length; i++) {
                    GenerationResult r = await(gens.get(i));
                    assertArrayEquals(alone.get(i).tokens(), r.tokens(), kernels + " request " + i);
                    assertEquals(alone.get(i).text(), r.text(), "request " + i);
                    assertEquals(alone.get(i).finishReason(), r.finishReason(), "request " + i);
                    assertEquals(prompts[i], r.promptTokens());
                }
                assertEquals(0, sch.kvPagesInUse());
            }
        }
    }

    @Test
    void aLongPromptIsPrefilledInChunksWhileAStreamKeepsDecoding() throws Exception {
        try (Runtime rt = runtime("default"); Model m = model(rt);
                GenerationScheduler sch = m.newScheduler(options(2, 4, 8))) {
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<ScheduledGeneration> late = new AtomicReference<>();
            AtomicInteger count = new AtomicInteger();
            ScheduledGeneration a = sch.submit(request(1, 4, 100), (t, s) -> {
                events.add("A");
                if (count.incrementAndGet() == 3) {
                    events.add("submit B");
                    late.set(sch.submit(request(2, 100, 3), (t2, s2) -> events.add("B")));
                }
                return true;
            });
            assertEquals(100, await(a).tokens().length);
            await(late.get());
            int submitted = events.indexOf("submit B");
            int firstB = events.indexOf("B");
            long aBetween = events.subList(submitted, firstB).stream().filter("A"::equals).count();
            // 100 prompt tokens in chunks of 8 take 13 steps, each of which also decodes a token of A
            assertTrue(aBetween >= 12, "A produced only " + aBetween + " tokens while B was prefilled: " + events);
        }
    }

    @Test
    void cancellingFreesTheKvPagesWhetherQueuedPrefillingOrDecoding() throws Exception {
        try (Runtime rt = runtime("default"); Model m = model(rt);
                GenerationScheduler sch = m.newScheduler(options(2, 4, 8))) {
            assertEquals(0, sch.kvPagesInUse());
            // queued: the one slot of a second scheduler is taken by a stream that waits on a latch
            try (GenerationScheduler one = m.newScheduler(options(1, 4, 8))) {
                CountDownLatch release = new CountDownLatch(1);
                CountDownLatch started = new CountDownLatch(1);
                ScheduledGeneration blocker = one.submit(request(1, 5, 3), (t, s) -> {
                    started.countDown();
                    try {
                        return release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        return false;
                    }
                });
                assertTrue(started.await(30, TimeUnit.SECONDS));
                ScheduledGeneration queued = one.submit(request(3, 5, 3), TokenListener.NONE);
                assertEquals(1, one.queuedRequests());
                assertTrue(one.kvPagesInUse() > 0);
                queued.cancel();
                GenerationResult q = await(queued);
                assertEquals(FinishReason.CANCELLED, q.finishReason());
                assertEquals(0, q.tokens().length);
                assertEquals(0, one.queuedRequests());
                release.countDown();
                assertEquals(3, await(blocker).tokens().length);
                assertEquals(0, one.kvPagesInUse());
            }

            // prefilling: A cancels B a few steps into B's 150-token prompt
            AtomicReference<ScheduledGeneration> b = new AtomicReference<>();
            AtomicInteger aTokens = new AtomicInteger();
            AtomicInteger pagesSeen = new AtomicInteger();
            ScheduledGeneration a = sch.submit(request(4, 4, 60), (t, s) -> {
                int n = aTokens.incrementAndGet();
                if (n == 2) {
                    b.set(sch.submit(request(5, 150, 5), TokenListener.NONE));
                } else if (n == 6) {
                    pagesSeen.set(sch.kvPagesInUse());
                    b.get().cancel();
                }
                return true;
            });
            assertEquals(60, await(a).tokens().length);
            GenerationResult bResult = await(b.get());
            assertEquals(FinishReason.CANCELLED, bResult.finishReason());
            assertEquals(0, bResult.tokens().length, "B was still prefilling");
            // A holds at most a page or two of its own; B had taken pages for its chunks
            assertTrue(pagesSeen.get() >= 3, "pages in use while B prefilled: " + pagesSeen.get());
            assertEquals(0, sch.kvPagesInUse());

            // decoding: cancelled from another thread after five tokens (the stream waits for it at the sixth)
            CountDownLatch five = new CountDownLatch(5);
            CountDownLatch cancelled = new CountDownLatch(1);
            ScheduledGeneration d = sch.submit(request(6, 4, 200), (t, s) -> {
                five.countDown();
                if (five.getCount() == 0) {
                    try {
                        cancelled.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        return false;
                    }
                }
                return true;
            });
            assertTrue(five.await(30, TimeUnit.SECONDS));
            d.cancel();
            cancelled.countDown();
            GenerationResult dr = await(d);
            assertEquals(FinishReason.CANCELLED, dr.finishReason());
            assertTrue(dr.tokens().length >= 5 && dr.tokens().length < 200, "tokens: " + dr.tokens().length);
            assertEquals(0, sch.kvPagesInUse(), "pages are given back before the result completes");
            // the pool reuses what was given back instead of growing
            int allocated = ((BatchingScheduler) sch).pool().allocatedPages();
            await(sch.submit(request(7, 30, 20), TokenListener.NONE));
            assertEquals(allocated, ((BatchingScheduler) sch).pool().allocatedPages());
        }
    }

    @Test
    void refusesWhatCannotFitUpFront() throws Exception {
        try (Runtime rt = runtime("default"); Model m = model(rt);
                GenerationScheduler sch = m.newScheduler(options(2, 4, 8))) {
            var tooLong = GenerationRequest.builder(tokens(1, 200)).maxTokens(80).build();
            assertThrows(ContextOverflowException.class, () -> sch.submit(tooLong, TokenListener.NONE));
            assertThrows(IllegalArgumentException.class,
                    () -> sch.submit(GenerationRequest.builder(new int[] {1, 600}).build(), TokenListener.NONE));
        }
        // a small runtime budget leaves the scheduler room for about 7 pages (112 positions)
        try (Runtime rt = Runtime.builder().threads(1).memoryBudgetBytes(100_000).build(); Model m = model(rt);
                GenerationScheduler sch = m.newScheduler(options(1, 4, 8))) {
            var big = GenerationRequest.builder(tokens(1, 150)).maxTokens(50).build();
            BudgetExceededException e = assertThrows(BudgetExceededException.class,
                    () -> sch.submit(big, TokenListener.NONE));
            assertTrue(e.getMessage().contains("scheduler KV cache"), e.getMessage());
            // what fits still runs
            assertEquals(10, await(sch.submit(request(2, 10, 10), TokenListener.NONE)).tokens().length);
        }
    }

    @Test
    void aFullQueueRefusesMore() throws Exception {
        try (Runtime rt = runtime("default"); Model m = model(rt);
                GenerationScheduler sch = m.newScheduler(options(1, 1, 8))) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ScheduledGeneration first = sch.submit(request(1, 5, 3), (t, s) -> {
                started.countDown();
                try {
                    return release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return false;
                }
            });
            assertTrue(started.await(30, TimeUnit.SECONDS));
            ScheduledGeneration queued = sch.submit(request(2, 5, 3), TokenListener.NONE);
            QueueFullException e = assertThrows(QueueFullException.class,
                    () -> sch.submit(request(3, 5, 3), TokenListener.NONE));
            assertEquals(1, e.capacity());
            release.countDown();
            assertEquals(3, await(first).tokens().length);
            assertEquals(3, await(queued).tokens().length);
        }
    }

    @Test
    void higherPrioritiesRunFirst() throws Exception {
        try (Runtime rt = runtime("default"); Model m = model(rt);
                GenerationScheduler sch = m.newScheduler(options(1, 8, 8))) {
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ScheduledGeneration blocker = sch.submit(request(1, 5, 2), (t, s) -> {
                started.countDown();
                try {
                    return release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return false;
                }
            });
            assertTrue(started.await(30, TimeUnit.SECONDS));
            List<ScheduledGeneration> gens = new ArrayList<>();
            int[] priorities = {0, 5, 2, 5, -1};
            for (int i = 0; i < priorities.length; i++) {
                String name = "p" + priorities[i] + "#" + i;
                gens.add(sch.submit(request(10 + i, 5, 2), new SubmitOptions(priorities[i], "t"), (t, s) -> {
                    if (!order.contains(name)) {
                        order.add(name);
                    }
                    return true;
                }));
            }
            release.countDown();
            await(blocker);
            for (ScheduledGeneration g : gens) {
                await(g);
            }
            assertEquals(List.of("p5#1", "p5#3", "p2#2", "p0#0", "p-1#4"), order);
        }
    }

    @Test
    void theRuntimesTenantQuotaLimitsTheTenantsKvCache() throws Exception {
        long pageBytes = 2L * 2 * PAGE * 32 * 4;
        try (Runtime rt = Runtime.builder().threads(1).tenantQuota("a", 4 * pageBytes).build(); Model m = model(rt);
                GenerationScheduler sch = m.newScheduler(options(4, 8, 8))) {
            BudgetExceededException e = assertThrows(BudgetExceededException.class,
                    () -> sch.submit(request(1, 60, 20), new SubmitOptions(0, "a"), TokenListener.NONE));
            assertTrue(e.getMessage().contains("tenant 'a'"), e.getMessage());
            // the same request from a tenant without a runtime quota is admitted and runs
            await(sch.submit(request(1, 60, 20), new SubmitOptions(0, "b"), TokenListener.NONE));
            assertEquals(0, sch.kvPagesInUse());
        }
    }

    @Test
    void aTenantAtItsQuotaWaitsWithoutHoldingBackOthers() throws Exception {
        long pageBytes = 2L * 2 * PAGE * 32 * 4;
        try (Runtime rt = runtime("default"); Model m = model(rt);
                GenerationScheduler sch = m.newScheduler(options(4, 8, 8))) {
            // room for one request of up to 4 pages (64 positions) at a time
            sch.setTenantQuota("a", 4 * pageBytes);
            SubmitOptions a = new SubmitOptions(0, "a");
            SubmitOptions b = new SubmitOptions(0, "b");
            BudgetExceededException e = assertThrows(BudgetExceededException.class,
                    () -> sch.submit(request(1, 60, 20), a, TokenListener.NONE));
            assertTrue(e.getMessage().contains("tenant 'a'"), e.getMessage());

            List<String> events = Collections.synchronizedList(new ArrayList<>());
            // a gate holds the scheduler while all three are queued, so they compete from the same step
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch atGate = new CountDownLatch(1);
            ScheduledGeneration g = sch.submit(request(9, 3, 1), new SubmitOptions(0, "g"), (t, s) -> {
                atGate.countDown();
                try {
                    return gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    return false;
                }
            });
            assertTrue(atGate.await(30, TimeUnit.SECONDS));
            ScheduledGeneration a1 = sch.submit(request(2, 20, 30), a, (t, s) -> events.add("a1"));
            ScheduledGeneration a2 = sch.submit(request(3, 20, 5), a, (t, s) -> events.add("a2"));
            ScheduledGeneration b1 = sch.submit(request(4, 20, 5), b, (t, s) -> events.add("b1"));
            gate.countDown();
            await(g);
            await(a1);
            await(a2);
            await(b1);
            int lastA1 = events.lastIndexOf("a1");
            assertTrue(events.indexOf("a2") > lastA1, "a2 ran beside a1 beyond the quota: " + events);
            assertTrue(events.indexOf("b1") < lastA1, "b1 was held back by tenant a: " + events);
            assertEquals(0, sch.kvPagesInUse());
        }
    }

    @Test
    void closeCancelsEverythingAndStopsTheThread() throws Exception {
        try (Runtime rt = runtime("default"); Model m = model(rt)) {
            GenerationScheduler sch = m.newScheduler(options(2, 8, 8));
            CountDownLatch running = new CountDownLatch(2);
            TokenListener slow = (t, s) -> {
                running.countDown();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return false;
                }
                return true;
            };
            List<ScheduledGeneration> gens = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                gens.add(sch.submit(request(i, 5, 250), slow));
            }
            assertTrue(running.await(30, TimeUnit.SECONDS));
            sch.close();
            for (ScheduledGeneration g : gens) {
                GenerationResult r = await(g);
                assertEquals(FinishReason.CANCELLED, r.finishReason());
                assertTrue(r.tokens().length < 250);
            }
            assertEquals(0, sch.kvPagesInUse());
            assertEquals(0, sch.runningRequests());
            assertThrows(IllegalStateException.class, () -> sch.submit(request(1, 5, 5), TokenListener.NONE));
            sch.close(); // harmless
            boolean alive = Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().equals("jinfer-batch-scheduler") && t.isAlive());
            assertFalse(alive, "a scheduler thread outlived its scheduler");
        }
    }

    @Test
    void closingTheModelClosesItsSchedulers() throws Exception {
        try (Runtime rt = runtime("default")) {
            Model m = model(rt);
            GenerationScheduler sch = m.newScheduler(options(1, 8, 8));
            CountDownLatch first = new CountDownLatch(1);
            ScheduledGeneration g = sch.submit(request(1, 5, 200), (t, s) -> {
                first.countDown();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return false;
                }
                return true;
            });
            ScheduledGeneration queued = sch.submit(request(2, 5, 5), TokenListener.NONE);
            assertTrue(first.await(30, TimeUnit.SECONDS));
            m.close();
            assertTrue(g.isDone() && queued.isDone());
            assertEquals(FinishReason.CANCELLED, await(queued).finishReason());
            assertThrows(IllegalStateException.class, () -> sch.submit(request(3, 5, 5), TokenListener.NONE));
        }
    }
}
