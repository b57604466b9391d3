package io.jinfer.executor;

import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model mapped into memory with its configuration, weights and tokenizer, from a GGUF file or a
 * Hugging Face directory.
 */
final class LoadedModel implements Model {
    private final ModelSource source;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final LocalEngine engine;
    private final List<InferenceSession> sessions = new ArrayList<>();
    private final List<BatchingScheduler> schedulers = new ArrayList<>();
    private final Map<QuantFormat, KvPagePool> kvPools = new java.util.EnumMap<>(QuantFormat.class);
    private boolean closed;

    private LoadedModel(ModelSource source, ModelWeights weights, LocalEngine engine) {
        this.source = source;
        this.config = source.config();
        this.weights = weights;
        this.transformer = new Transformer(config, weights, engine.layerKernels(config.layers()));
        this.tokenizer = source.tokenizer();
        this.engine = engine;
    }

    /**
     * Opens a model: a directory is read as a Hugging Face checkpoint (it must hold {@code config.json}),
     * anything else as a GGUF file.
     */
    static LoadedModel load(Path path, LocalEngine engine) {
        ModelSource source = Files.isDirectory(path) ? HfModelSource.open(path) : GgufModelSource.open(path);
        try {
            return new LoadedModel(source, ModelWeights.bind(source.weights(), source.config()), engine);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    ModelConfig config() {
        return config;
    }

    Transformer transformer() {
        return transformer;
    }

    LocalEngine engine() {
        return engine;
    }

    /** @return the pool of KV pages of this model in {@code format}, made on first use */
    synchronized KvPagePool kvPool(QuantFormat format) {
        ensureOpen();
        return kvPools.computeIfAbsent(format, f -> new KvPagePool(config, f, engine.budget()));
    }

    @Override
    public String architecture() {
        return config.architecture();
    }

    @Override
    public String name() {
        return source.name();
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int trainedContextLength() {
        return config.contextLength();
    }

    @Override
    public int vocabularySize() {
        return config.vocabSize();
    }

    @Override
    public QuantFormat weightFormat() {
        return weights.dominantFormat();
    }

    @Override
    public Map<String, Object> metadata() {
        return source.metadata();
    }

    @Override
    public synchronized Session newSession(SessionOptions options) {
        ensureOpen();
        engine.ensureOpen();
        InferenceSession s = new InferenceSession(this, options);
        sessions.add(s);
        return s;
    }

    @Override
    public GenerationScheduler newScheduler(SchedulerOptions options) {
        ensureOpen();
        BatchingScheduler s = new BatchingScheduler(this, options);
        synchronized (this) {
            schedulers.add(s);
        }
        return s;
    }

    synchronized void forget(InferenceSession s) {
        sessions.remove(s);
    }

    synchronized void forget(BatchingScheduler s) {
        schedulers.remove(s);
    }

    synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model " + name() + " is closed");
        }
    }

    @Override
    public void close() {
        List<InferenceSession> open;
        List<BatchingScheduler> running;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("model " + name() + " is already closed");
            }
            closed = true;
            open = List.copyOf(sessions);
            sessions.clear();
            running = List.copyOf(schedulers);
        }
        // before the compute lock: a scheduler's thread needs it to finish its step
        running.forEach(BatchingScheduler::close);
        engine.computeLock().lock();
        try {
            for (InferenceSession s : open) {
                s.closeQuietly();
            }
            synchronized (this) {
                kvPools.values().forEach(KvPagePool::close);
            }
            source.close();
        } finally {
            engine.computeLock().unlock();
        }
    }
}
