package io.jinfer.executor;

import io.jinfer.api.BudgetExceededException;
import io.jinfer.api.ContextOverflowException;
import io.jinfer.api.FinishReason;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.QueueFullException;
import io.jinfer.api.ScheduledGeneration;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.SubmitOptions;
import io.jinfer.api.TokenListener;
import io.jinfer.api.spi.Kernels;
import io.jinfer.memory.MemoryBudget;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching on one scheduler thread. Each step runs one forward pass holding the next token
 * of every decoding sequence plus a chunk of at most {@code session.batchSize} prompt tokens of the
 * sequences being prefilled, so every weight is read once per step for all of them and a long prompt
 * never stalls the running streams. Finished and cancelled sequences leave, and queued ones join,
 * between steps.
 *
 * <p>Admission: a request is refused at submit when its prompt plus {@code maxTokens} cannot fit in a
 * context, in the scheduler's KV capacity ({@code parallel} full contexts) or in its tenant's quota.
 * Queued requests are admitted by priority, then arrival, when a slot is free and their worst-case
 * KV pages fit their tenant's quota and the scheduler's capacity; the pages themselves are taken from
 * the model's {@link KvPagePool} as the sequence grows and given back the moment it ends.
 */
final class BatchingScheduler implements GenerationScheduler {
    /** Most logits rows computed in one product, bounding the logits buffer. */
    private static final int LOGITS_GROUP = 16;

    private final LoadedModel model;
    private final SchedulerOptions options;
    private final int contextLength;
    private final int prefillChunk;
    private final KvPagePool pool;
    private final long pageBytes;
    private final MemoryBudget kvBudget;
    private final Map<String, MemoryBudget> tenants = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final TreeSet<Sequence> queue = new TreeSet<>(
            Comparator.comparingInt((Sequence s) -> -s.priority).thenComparingLong(s -> s.arrival));
    private final List<Sequence> running = new ArrayList<>();
    private final AtomicInteger runningCount = new AtomicInteger();
    private final MemoryBudget.Reservation workspaceReservation;
    private final Transformer.Workspace ws;
    private final Transformer.Batch batch;
    private final int[] logitRows;
    private final Sequence[] logitSeqs;
    private final float[] logits;
    private final Thread thread;
    private long arrivals;
    private volatile boolean closed;

    BatchingScheduler(LoadedModel model, SchedulerOptions options) {
        this.model = model;
        this.options = options;
        ModelConfig c = model.config();
        int ctx = options.session().contextLength();
        this.contextLength = ctx == 0 ? Math.min(c.contextLength(), 4096) : ctx;
        if (contextLength > InferenceSession.MAX_CONTEXT) {
            throw new IllegalArgumentException("contextLength " + contextLength + " exceeds the limit of "
                    + InferenceSession.MAX_CONTEXT);
        }
        this.prefillChunk = options.session().batchSize();
        this.pool = model.kvPool(options.session().kvCacheFormat());
        this.pageBytes = pool.pageBytes();
        MemoryBudget runtime = model.engine().budget();
        int rows = options.parallel() + prefillChunk;
        this.workspaceReservation = runtime.reserve(Transformer.Workspace.bytesFor(c, rows, true)
                + 4L * Math.min(options.parallel(), LOGITS_GROUP) * c.vocabSize(),
                "the activation buffers of a batching scheduler");
        try {
            this.ws = new Transformer.Workspace(c, rows, true);
            this.logits = new float[Math.min(options.parallel(), LOGITS_GROUP) * c.vocabSize()];
        } catch (RuntimeException | OutOfMemoryError e) {
            workspaceReservation.close();
            throw e;
        }
        // what the runtime can still grant caps the KV capacity, so admission refuses what could never run
        long capacity = (long) options.parallel() * KvPagePool.pagesFor(contextLength) * pageBytes;
        this.kvBudget = new MemoryBudget("scheduler KV cache",
                Math.max(1, Math.min(capacity, runtime.limit() - runtime.used())), null);
        this.batch = new Transformer.Batch(options.parallel(), rows);
        this.logitRows = new int[options.parallel()];
        this.logitSeqs = new Sequence[options.parallel()];
        this.thread = Thread.ofPlatform().daemon().name("jinfer-batch-scheduler").unstarted(this::loop);
        thread.start();
    }

    // ---------------------------------------------------------------- submission

    @Override
    public ScheduledGeneration submit(GenerationRequest request, SubmitOptions submit, TokenListener listener) {
        if (closed) {
            throw new IllegalStateException("the scheduler is closed");
        }
        int[] prompt = request.prompt() != null
                ? model.tokenizer().encode(request.prompt(), request.addSpecialTokens(), true)
                : request.promptTokens();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        int vocab = model.config().vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new IllegalArgumentException("token " + prompt[i] + " at index " + i
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        long positions = (long) prompt.length + Math.max(0, request.maxTokens() - 1);
        if (positions > contextLength) {
            throw new ContextOverflowException(positions, contextLength);
        }
        long bytes = KvPagePool.pagesFor(positions) * pageBytes;
        String what = "a request of " + positions + " positions";
        if (bytes > kvBudget.limit()) {
            throw new BudgetExceededException(kvBudget.name(), what, bytes, kvBudget.limit());
        }
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the scheduler is closed");
            }
            MemoryBudget tenant = tenant(submit.tenant());
            if (bytes > tenant.limit()) {
                throw new BudgetExceededException(tenant.name(), what, bytes, tenant.limit());
            }
            if (queue.size() >= options.maxQueued()) {
                throw new QueueFullException(options.maxQueued());
            }
            Sequence s = new Sequence(request, prompt, submit, arrivals++, positions, bytes, listener);
            queue.add(s);
            wake.signalAll();
            return s;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return the tenant's budget, a child of the scheduler's KV capacity (made on first use), no larger
     *     than the quota the runtime gives the tenant ({@code Runtime.Builder.tenantQuota})
     */
    private MemoryBudget tenant(String name) {
        return tenants.computeIfAbsent(name, t -> {
            Long runtimeQuota = model.engine().tenantQuotas().get(t);
            long limit = runtimeQuota == null ? kvBudget.limit() : Math.min(runtimeQuota, kvBudget.limit());
            return new MemoryBudget("tenant '" + t + "' KV quota", limit, kvBudget);
        });
    }

    @Override
    public void setTenantQuota(String tenant, long kvBytes) {
        if (tenant == null || tenant.isBlank()) {
            throw new IllegalArgumentException("tenant must not be blank");
        }
        if (kvBytes <= 0) {
            throw new IllegalArgumentException("a tenant quota must be > 0 bytes, got " + kvBytes);
        }
        lock.lock();
        try {
            MemoryBudget old = tenants.get(tenant);
            if (old != null && old.used() > 0) {
                throw new IllegalStateException("tenant '" + tenant + "' holds KV pages; set its quota while idle");
            }
            tenants.put(tenant, new MemoryBudget("tenant '" + tenant + "' KV quota", kvBytes, kvBudget));
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- the scheduler thread

    private void loop() {
        try {
            while (true) {
                lock.lock();
                try {
                    if (closed) {
                        return;
                    }
                    admit();
                    if (running.isEmpty()) {
                        wake.awaitUninterruptibly();
                        continue;
                    }
                } finally {
                    lock.unlock();
                }
                step();
            }
        } finally {
            shutDown();
        }
    }

    /** Moves queued sequences into free slots, by priority then arrival, as their KV reservations allow. */
    private void admit() {
        Iterator<Sequence> it = queue.iterator();
        while (running.size() < options.parallel() && it.hasNext()) {
            Sequence s = it.next();
            MemoryBudget tenant = tenant(s.tenant);
            if (s.kvBytes > tenant.limit() - tenant.used()) {
                continue; // this tenant is at its quota; others may go ahead
            }
            if (s.kvBytes > kvBudget.limit() - kvBudget.used()) {
                break; // the scheduler is full: wait rather than let smaller requests overtake forever
            }
            it.remove();
            MemoryBudget.Reservation quota = null;
            try {
                quota = tenant.reserve(s.kvBytes, "a request of " + s.positions + " positions");
                s.start(quota);
            } catch (RuntimeException | OutOfMemoryError e) {
                if (quota != null) {
                    quota.close();
                }
                s.future.completeExceptionally(e);
                continue;
            }
            running.add(s);
            runningCount.incrementAndGet();
        }
    }

    /** One forward pass over every running sequence, then sampling for those that reached a new token. */
    private void step() {
        for (Sequence s : List.copyOf(running)) {
            if (s.cancelled || closed) {
                s.stream.cancel();
                finish(s, null);
            }
        }
        batch.clear();
        List<Sequence> members = new ArrayList<>(running.size());
        // decode rows first: one token each (over a copy: a sequence whose pages cannot grow leaves)
        for (Sequence s : List.copyOf(running)) {
            if (s.prefilled == s.prompt.length && reserve(s, 1)) {
                batch.add(s.cache, s.position, s.history, s.position, 1);
                members.add(s);
            }
        }
        // then prompt chunks, oldest first, up to the chunk size
        int room = prefillChunk;
        for (Sequence s : List.copyOf(running)) {
            if (room == 0) {
                break;
            }
            if (s.prefilled < s.prompt.length && !s.future.isDone()) {
                int n = Math.min(room, s.prompt.length - s.prefilled);
                if (reserve(s, n)) {
                    batch.add(s.cache, s.position, s.history, s.position, n);
                    members.add(s);
                    room -= n;
                }
            }
        }
        if (members.isEmpty()) {
            return;
        }
        int sampling = 0;
        for (int i = 0; i < members.size(); i++) {
            Sequence s = members.get(i);
            int rows = batch.rowCount[i];
            if (s.prefilled + rows >= s.prompt.length) {
                logitRows[sampling] = batch.rowStart[i] + rows - 1;
                logitSeqs[sampling++] = s;
            }
        }
        try {
            forward(sampling);
        } catch (RuntimeException | Error e) {
            for (Sequence s : members) {
                finish(s, e);
            }
            return;
        }
        for (int i = 0; i < members.size(); i++) {
            Sequence s = members.get(i);
            int rows = batch.rowCount[i];
            s.position += rows;
            if (s.prefilled < s.prompt.length) {
                s.prefilled += rows;
            }
        }
        for (int i = 0; i < sampling; i++) {
            Sequence s = logitSeqs[i];
            logitSeqs[i] = null;
            if (s.stream.finished()) {
                finish(s, null); // maxTokens 0: only the prompt
                continue;
            }
            try {
                s.sampleNext();
            } catch (RuntimeException e) {
                s.stream.cancel();
                finish(s, e);
                continue;
            }
            if (s.stream.finished()) {
                finish(s, null);
            }
        }
    }

    /** Makes room in a sequence's cache for {@code n} more positions; a failure ends the sequence. */
    private boolean reserve(Sequence s, int n) {
        try {
            s.cache.ensureCapacity(s.position + n);
            return true;
        } catch (RuntimeException e) {
            s.stream.cancel();
            finish(s, e);
            return false;
        }
    }

    /** Runs the batch and the logits of its sampling rows under the engine's compute lock. */
    private void forward(int sampling) {
        Kernels kr = model.engine().kernels();
        Transformer tf = model.transformer();
        int vocab = model.config().vocabSize();
        var computeLock = model.engine().computeLock();
        computeLock.lock();
        try {
            model.ensureOpen();
            model.engine().ensureOpen();
            tf.forward(kr, batch, ws);
            for (int g = 0; g < sampling; g += LOGITS_GROUP) {
                int count = Math.min(LOGITS_GROUP, sampling - g);
                int[] rows = g == 0 ? logitRows : java.util.Arrays.copyOfRange(logitRows, g, g + count);
                tf.logits(kr, ws, rows, count, logits);
                for (int i = 0; i < count; i++) {
                    System.arraycopy(logits, i * vocab, logitSeqs[g + i].logits, 0, vocab);
                }
            }
        } finally {
            computeLock.unlock();
        }
    }

    /** Takes a sequence out: its pages go back to the pool and its quota is released, then it completes. */
    private void finish(Sequence s, Throwable failure) {
        if (running.remove(s)) {
            runningCount.decrementAndGet();
        }
        s.release();
        if (failure != null) {
            s.future.completeExceptionally(failure);
        } else {
            s.future.complete(s.outcome());
        }
    }

    private void shutDown() {
        List<Sequence> waiting;
        lock.lock();
        try {
            closed = true;
            waiting = new ArrayList<>(queue);
            queue.clear();
        } finally {
            lock.unlock();
        }
        for (Sequence s : List.copyOf(running)) {
            s.stream.cancel();
            finish(s, null);
        }
        waiting.forEach(Sequence::finishCancelled);
        workspaceReservation.close();
        pool.trim(); // what the scheduler's sequences held goes back to the budget
    }

    // ---------------------------------------------------------------- state

    @Override
    public int queuedRequests() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int runningRequests() {
        return runningCount.get();
    }

    @Override
    public int kvPagesInUse() {
        return pool.pagesInUse();
    }

    /** @return the model's page pool (tests) */
    KvPagePool pool() {
        return pool;
    }

    @Override
    public SchedulerOptions options() {
        return options;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        model.forget(this);
    }

    /** One request, from the queue to its result. Its mutable state belongs to the scheduler thread. */
    private final class Sequence implements ScheduledGeneration {
        final GenerationRequest request;
        final int[] prompt;
        final int priority;
        final String tenant;
        final long arrival;
        final long positions;
        final long kvBytes;
        final TokenListener listener;
        final CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        volatile boolean cancelled;
        MemoryBudget.Reservation quota;
        KvCache cache;
        TokenStream stream;
        int[] history;
        float[] logits;
        int position;
        int prefilled;
        long admittedAt;
        long firstTokenAt;
        long doneAt;

        Sequence(GenerationRequest request, int[] prompt, SubmitOptions submit, long arrival, long positions,
                long kvBytes, TokenListener listener) {
            this.request = request;
            this.prompt = prompt;
            this.priority = submit.priority();
            this.tenant = submit.tenant();
            this.arrival = arrival;
            this.positions = positions;
            this.kvBytes = kvBytes;
            this.listener = listener;
        }

        /** Sets the sequence up on admission; its pages come later, as it grows. */
        void start(MemoryBudget.Reservation reservation) {
            this.quota = reservation;
            ModelConfig c = model.config();
            this.cache = new KvCache(c, pool, (int) positions, "a scheduled request (tenant '" + tenant + "')");
            this.stream = new TokenStream(request, model.tokenizer(), c.vocabSize());
            this.history = new int[(int) positions + 1];
            System.arraycopy(prompt, 0, history, 0, prompt.length);
            this.logits = new float[c.vocabSize()];
            this.admittedAt = System.nanoTime();
        }

        /** Samples from this sequence's logits and streams the token (scheduler thread). */
        void sampleNext() {
            if (firstTokenAt == 0) {
                firstTokenAt = System.nanoTime();
            }
            int token = stream.next(logits, history, position,
                    (t, text) -> !cancelled && !closed && listener.onToken(t, text));
            history[position] = token;
        }

        void release() {
            doneAt = System.nanoTime();
            if (cache != null) {
                cache.release();
            }
            if (quota != null) {
                quota.close();
            }
        }

        GenerationResult outcome() {
            long first = firstTokenAt == 0 ? doneAt : firstTokenAt;
            return stream.result(prompt.length, first - admittedAt, doneAt - first);
        }

        void finishCancelled() {
            future.complete(new GenerationResult("", new int[0], FinishReason.CANCELLED, prompt.length, 0, 0));
        }

        @Override
        public CompletableFuture<GenerationResult> result() {
            return future;
        }

        @Override
        public void cancel() {
            cancelled = true;
            boolean wasQueued;
            lock.lock();
            try {
                wasQueued = queue.remove(this);
                wake.signalAll();
            } finally {
                lock.unlock();
            }
            if (wasQueued) {
                finishCancelled();
            }
        }
    }
}
