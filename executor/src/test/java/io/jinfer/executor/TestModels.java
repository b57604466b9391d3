package io.jinfer.executor;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufWriter;
import io.jinfer.loader.synth.Architecture;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import io.jinfer.api.spi.TensorView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Small models the tests generate themselves, written once per JVM into a temporary folder. */
final class TestModels {
    private static final Map<String, Path> CACHE = new ConcurrentHashMap<>();
    private static Path dir;

    private TestModels() {}

    /** A small model: dim 64, 2 layers, 4 heads / 2 KV heads, vocab 512. */
    static SyntheticModel small(Architecture arch, QuantFormat format) {
        return new SyntheticModel(arch, 64, 2, 4, 2, 192, 512, 256, 10000f, false, format, 7);
    }

    static synchronized Path write(SyntheticModel spec) {
        return CACHE.computeIfAbsent(spec.toString(), k -> {
            Path file = tempDir().resolve(spec.name() + "-" + spec.weightFormat() + "-" + Math.abs(k.hashCode()) + ".gguf");
            SyntheticModels.write(spec, file);
            return file;
        });
    }

    static Path small(QuantFormat format) {
        return write(small(Architecture.LLAMA, format));
    }

    /**
     * Copies a GGUF file while letting the caller change it: metadata and tensors are copied unless
     * {@code edit} removes or replaces them.
     */
    static Path rewrite(Path source, String name, Consumer<Editor> edit) {
        Path target = tempDir().resolve(name + ".gguf");
        try (GgufFile in = GgufFile.open(source)) {
            Editor e = new Editor(in);
            edit.accept(e);
            GgufWriter w = new GgufWriter().putAll(in.metadata());
            e.extraMetadata.accept(w);
            for (TensorView t : in.tensors()) {
                if (!e.dropped.contains(t.name())) {
                    w.addTensor(t.name(), t.format(), t.shape(), t.data());
                }
            }
            e.extraTensors.accept(w);
            w.write(target);
        }
        return target;
    }

    static final class Editor {
        final GgufFile source;
        final java.util.Set<String> dropped = new java.util.HashSet<>();
        Consumer<GgufWriter> extraMetadata = w -> { };
        Consumer<GgufWriter> extraTensors = w -> { };

        Editor(GgufFile source) {
            this.source = source;
        }
    }

    private static synchronized Path tempDir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("jinfer-executor-test");
                dir.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }
}
