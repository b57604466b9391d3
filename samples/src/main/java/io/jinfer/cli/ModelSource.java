package io.jinfer.cli;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * Where a command's model file comes from: a file the user named, the built-in demo model (generated
 * into a temporary file that is deleted on exit), or a generated benchmark model kept in a cache.
 */
public final class ModelSource implements AutoCloseable {
    /** Shapes of generated models, as {@code --shape} names them. */
    public static final List<String> SHAPES = List.of("tiny", "llama1b");

    private final Path path;
    private final Path tempDir;

    private ModelSource(Path path, Path tempDir) {
        this.path = path;
        this.tempDir = tempDir;
    }

    /**
     * Uses a model the user named on the command line, a GGUF file or a Hugging Face model directory
     * (one with a {@code config.json}); it is never deleted.
     *
     * @param file a model file or directory the user named
     * @return the source
     * @throws CommandException when it does not exist, or is neither a regular file nor a directory
     *     with a {@code config.json}
     */
    public static ModelSource file(Path file) {
        if (!Files.exists(file)) {
            throw new CommandException("model file not found: " + file);
        }
        if (Files.isDirectory(file) && !Files.isRegularFile(file.resolve("config.json"))) {
            throw new CommandException(file + " is a directory without a config.json: not a Hugging Face model");
        }
        if (!Files.isDirectory(file) && !Files.isRegularFile(file)) {
            throw new CommandException("not a regular file: " + file);
        }
        return new ModelSource(file, null);
    }

    /**
     * Generates the demo model (the tiny synthetic Llama, fixed seed) into a temporary file that is
     * deleted when this source is closed or the JVM exits.
     *
     * @param err where to say so
     * @return the source
     */
    public static ModelSource demo(PrintStream err) {
        try {
            Path dir = Files.createTempDirectory("jinfer-demo-");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("demo-tiny.gguf");
            // Registered after the directory, so it is deleted before it.
            file.toFile().deleteOnExit();
            SyntheticModels.write(spec("tiny", null), file);
            err.println("jinfer: no --model given: using the built-in demo model (tiny random-weight Llama, "
                    + "fixed seed; its text is meaningless), generated into " + file + " (deleted on exit)");
            return new ModelSource(file, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Returns a generated model from the cache ({@code ~/.cache/jinfer}, or the system property
     * {@code jinfer.cache.dir}), generating it first when it is not there yet. The file appears
     * atomically, so an interrupted generation never leaves a partial model behind.
     *
     * @param shape one of {@link #SHAPES}
     * @param format the weight format of the 2-D tensors, or {@code null} for the shape's own
     * @param err where to report progress
     * @return the source
     */
    public static ModelSource cached(String shape, QuantFormat format, PrintStream err) {
        SyntheticModel spec = spec(shape, format);
        String name = "synth-" + shape + "-" + spec.weightFormat().name().toLowerCase(Locale.ROOT) + ".gguf";
        Path dir = cacheDir();
        Path file = dir.resolve(name);
        if (Files.isRegularFile(file)) {
            return new ModelSource(file, null);
        }
        try {
            Files.createDirectories(dir);
            Path part = Files.createTempFile(dir, name + ".", ".part");
            try {
                err.println("jinfer: generating the " + shape + " model (" + spec.weightFormat() + ") into " + file
                        + " (once; later runs reuse it)");
                long t0 = System.nanoTime();
                SyntheticModels.write(spec, part);
                makeReadable(part);
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                err.printf("jinfer: generated %s in %.1f s%n", file, (System.nanoTime() - t0) / 1e9);
            } finally {
                Files.deleteIfExists(part);
            }
            return new ModelSource(file, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Temporary files are created owner-only; a cached model is as readable as any other file. */
    private static void makeReadable(Path file) throws IOException {
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /**
     * Returns the directory generated models are cached in: the system property {@code jinfer.cache.dir}
     * when set, otherwise {@code ~/.cache/jinfer}.
     *
     * @return the cache directory of generated models
     */
    public static Path cacheDir() {
        String dir = System.getProperty("jinfer.cache.dir");
        return dir != null && !dir.isBlank() ? Path.of(dir)
                : Path.of(System.getProperty("user.home"), ".cache", "jinfer");
    }

    /**
     * @param shape one of {@link #SHAPES}
     * @param format weight format, or {@code null} for the preset's own
     * @return the generator's specification
     */
    static SyntheticModel spec(String shape, QuantFormat format) {
        SyntheticModel base = switch (shape) {
            case "tiny" -> SyntheticModel.tiny();
            case "llama1b" -> SyntheticModel.llama1b();
            default -> throw new UsageException("--shape: expected one of " + String.join(", ", SHAPES)
                    + ", got '" + shape + "'");
        };
        return format == null ? base : base.withWeightFormat(format);
    }

    /**
     * Returns the model file to load.
     *
     * @return the model file
     */
    public Path path() {
        return path;
    }

    /**
     * Tells whether the file is the temporary demo model, deleted when this source is closed.
     *
     * @return whether the file is a temporary demo model
     */
    public boolean isTemporary() {
        return tempDir != null;
    }

    /** Deletes the temporary demo model, if this is one. */
    @Override
    public void close() {
        if (tempDir != null) {
            try {
                Files.deleteIfExists(path);
                Files.deleteIfExists(tempDir);
            } catch (IOException e) {
                // deleteOnExit still holds it; nothing the user must do.
            }
        }
    }
}
