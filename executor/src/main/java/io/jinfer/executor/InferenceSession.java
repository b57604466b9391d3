package io.jinfer.executor;

import io.jinfer.api.ContextOverflowException;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.TokenListener;
import io.jinfer.api.Tokenizer;
import io.jinfer.api.spi.Kernels;
import io.jinfer.memory.MemoryBudget;

/** A conversation: KV cache, position, token history and activation buffers, all made once. */
final class InferenceSession implements Session {
    /** The largest context a session may ask for. */
    static final int MAX_CONTEXT = 1 << 20;

    private final LoadedModel model;
    private final ModelConfig c;
    private final int capacity;
    private final SessionOptions options;
    private final MemoryBudget.Reservation reservation;
    private final KvCache cache;
    private final Transformer.Workspace ws;
    private final int[] history;
    private int position;
    private boolean closed;

    InferenceSession(LoadedModel model, SessionOptions options) {
        this.model = model;
        this.c = model.config();
        this.options = options;
        int ctx = options.contextLength() == 0 ? Math.min(c.contextLength(), 4096) : options.contextLength();
        if (ctx > MAX_CONTEXT) {
            throw new IllegalArgumentException("contextLength " + ctx + " exceeds the limit of " + MAX_CONTEXT);
        }
        this.capacity = ctx;
        int batch = Math.min(options.batchSize(), ctx);
        this.reservation = model.engine().budget().reserve(Transformer.Workspace.bytesFor(c, batch),
                "the activation buffers of a session");
        KvCache kv = new KvCache(c, model.kvPool(options.kvCacheFormat()), ctx,
                "a session of " + ctx + " positions (" + options.kvCacheFormat() + " KV cache)");
        try {
            // the whole context up front, so a session that cannot hold it fails now, not mid-generation
            kv.ensureCapacity(ctx);
            this.cache = kv;
            this.ws = new Transformer.Workspace(c, batch);
            this.history = new int[ctx];
        } catch (RuntimeException | OutOfMemoryError e) {
            kv.close();
            reservation.close();
            throw e;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the session is closed");
        }
        model.ensureOpen();
    }

    private void checkTokens(int[] tokens) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= c.vocabSize()) {
                throw new IllegalArgumentException("token " + tokens[i] + " at index " + i
                        + " is outside the vocabulary [0, " + c.vocabSize() + ")");
            }
        }
    }

    /**
     * Runs tokens through the model in batches, appending them to the cache. With {@code allLogits}
     * the logits after every token go to {@code rows}; otherwise only the last token's, into the
     * workspace, for sampling.
     */
    private void feed(int[] tokens, boolean allLogits, float[][] rows) {
        Kernels kr = model.engine().kernels();
        Transformer tf = model.transformer();
        var lock = model.engine().computeLock();
        lock.lock();
        try {
            ensureOpen();
            for (int from = 0; from < tokens.length; from += ws.batch) {
                int n = Math.min(ws.batch, tokens.length - from);
                tf.forwardBlocks(kr, tokens, from, n, position, cache, ws);
                System.arraycopy(tokens, from, history, position, n);
                position += n;
                if (allLogits) {
                    for (int t = 0; t < n; t++) {
                        tf.logits(kr, ws, t, rows[from + t]);
                    }
                } else if (from + n == tokens.length) {
                    tf.logits(kr, ws, n - 1, ws.logits);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public float[][] evaluate(int[] tokens) {
        ensureOpen();
        checkTokens(tokens);
        if ((long) position + tokens.length > capacity) {
            throw new ContextOverflowException((long) position + tokens.length, capacity);
        }
        float[][] rows = new float[tokens.length][c.vocabSize()];
        feed(tokens, true, rows);
        return rows;
    }

    @Override
    public GenerationResult generate(GenerationRequest request, TokenListener listener) {
        ensureOpen();
        Tokenizer tok = model.tokenizer();
        int[] prompt = request.prompt() != null
                ? tok.encode(request.prompt(), request.addSpecialTokens(), true)
                : request.promptTokens();
        checkTokens(prompt);
        if (prompt.length == 0 && position == 0) {
            throw new IllegalArgumentException("the prompt is empty and the session holds nothing to continue from");
        }
        long needed = (long) position + prompt.length + Math.max(0, request.maxTokens() - 1);
        if (needed > capacity) {
            throw new ContextOverflowException(needed, capacity);
        }
        long t0 = System.nanoTime();
        if (prompt.length > 0) {
            feed(prompt, false, null);
        } else {
            // continue from the last token: recompute its logits
            int last = history[position - 1];
            position--;
            feed(new int[] {last}, false, null);
        }
        long t1 = System.nanoTime();

        TokenStream stream = new TokenStream(request, tok, c.vocabSize());
        int[] one = new int[1];
        while (!stream.finished()) {
            one[0] = stream.next(ws.logits, history, position, listener);
            if (!stream.finished()) {
                feed(one, false, null);
            }
        }
        long t2 = System.nanoTime();
        return stream.result(prompt.length, t1 - t0, t2 - t1);
    }

    @Override
    public float[] embed(int[] tokens) {
        ensureOpen();
        checkTokens(tokens);
        if (tokens.length == 0) {
            throw new IllegalArgumentException("nothing to embed: no tokens");
        }
        if (tokens.length > capacity) {
            throw new ContextOverflowException(tokens.length, capacity);
        }
        Kernels kr = model.engine().kernels();
        Transformer tf = model.transformer();
        float[] sum = new float[c.dim()];
        var lock = model.engine().computeLock();
        lock.lock();
        try {
            ensureOpen();
            position = 0;
            for (int from = 0; from < tokens.length; from += ws.batch) {
                int n = Math.min(ws.batch, tokens.length - from);
                tf.forwardBlocks(kr, tokens, from, n, from, cache, ws);
                for (int t = 0; t < n; t++) {
                    tf.normedHidden(kr, ws, t);
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] += ws.row[i];
                    }
                }
            }
        } finally {
            // the cache holds the embedded text, which is not a conversation to continue
            position = 0;
            lock.unlock();
        }
        float inv = 1f / tokens.length;
        for (int i = 0; i < sum.length; i++) {
            sum[i] *= inv;
        }
        return sum;
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public int contextLength() {
        return capacity;
    }

    @Override
    public void reset() {
        ensureOpen();
        position = 0;
    }

    SessionOptions options() {
        return options;
    }

    @Override
    public void close() {
        var lock = model.engine().computeLock();
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the session is already closed");
            }
            closeQuietly();
        } finally {
            lock.unlock();
        }
        model.forget(this);
    }

    void closeQuietly() {
        if (!closed) {
            closed = true;
            cache.close();
            reservation.close();
        }
    }
}
