package io.jinfer.loader.hf;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import io.jinfer.loader.safetensors.SafetensorsTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A Hugging Face model directory opened for inference: its {@code config.json}, its quantization
 * description and its memory-mapped safetensors checkpoint. Weight matrices are zero-copy views; the
 * small 1-D tensors (norms and biases), which the kernels read as F32, are converted once into memory
 * this object owns, as are computed tensors such as rope frequency factors. Closing it unmaps the
 * files and frees that memory.
 */
public final class HfModelDirectory implements AutoCloseable {
    /** Name of the tokenizer file of Hugging Face's tokenizers library. */
    public static final String TOKENIZER_JSON = "tokenizer.json";

    private final Path directory;
    private final HfConfig config;
    private final SafetensorsCheckpoint checkpoint;
    private final HfTensorBinder binder;
    private final Arena arena = Arena.ofShared();

    private HfModelDirectory(Path directory, HfConfig config, SafetensorsCheckpoint checkpoint, HfQuantization q) {
        this.directory = directory;
        this.config = config;
        this.checkpoint = checkpoint;
        this.binder = new HfTensorBinder(checkpoint, q);
    }

    /**
     * Tells whether a path is a model directory: a directory holding {@code config.json}.
     *
     * @param path any path
     * @return whether it looks like a Hugging Face model directory
     */
    public static boolean isModelDirectory(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve(HfConfig.FILE));
    }

    /**
     * Reads the configuration and quantization description and maps the checkpoint.
     *
     * @param directory the model directory
     * @return the open directory
     * @throws ModelFormatException when the configuration, the description or a safetensors file is
     *     malformed or unsupported
     */
    public static HfModelDirectory open(Path directory) {
        if (!isModelDirectory(directory)) {
            throw new ModelFormatException(directory, -1, HfConfig.FILE,
                    "expected a model directory holding config.json");
        }
        HfConfig config = HfConfig.read(directory);
        HfQuantization q = HfQuantization.read(directory, config);
        return new HfModelDirectory(directory, config, SafetensorsCheckpoint.open(directory), q);
    }

    /**
     * Returns the directory.
     *
     * @return the model directory
     */
    public Path directory() {
        return directory;
    }

    /**
     * Returns the parsed {@code config.json}.
     *
     * @return the configuration
     */
    public HfConfig config() {
        return config;
    }

    /**
     * Returns the mapped checkpoint.
     *
     * @return the checkpoint
     */
    public SafetensorsCheckpoint checkpoint() {
        return checkpoint;
    }

    /**
     * Returns the binder that turns weights and their scales into tensor views.
     *
     * @return the binder
     */
    public HfTensorBinder binder() {
        return binder;
    }

    /**
     * Tells whether the directory has a {@code tokenizer.json}.
     *
     * @return whether the file is present
     */
    public boolean hasTokenizerJson() {
        return Files.isRegularFile(directory.resolve(TOKENIZER_JSON));
    }

    /**
     * Returns a 1-D tensor converted to F32 (norm weights and biases are small; the kernels read them as F32).
     *
     * @param name the tensor's name in the checkpoint
     * @return an F32 view of shape {@code [n]}
     * @throws ModelFormatException when the tensor is missing, not 1-D or not F32, F16 or BF16
     */
    public TensorView vectorF32(String name) {
        SafetensorsTensor t = checkpoint.tensor(name);
        if (t.shape().length != 1) {
            throw new ModelFormatException(t.file(), -1, name, "expected a 1-D tensor, found shape "
                    + Arrays.toString(t.shape()));
        }
        int n = Math.toIntExact(t.elementCount());
        MemorySegment src = t.data();
        MemorySegment dst = arena.allocate(4L * n, 64);
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(src, 0, dst, 0, 4L * n);
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.setAtIndex(LittleEndian.FLOAT, i,
                            Float.intBitsToFloat((src.getAtIndex(LittleEndian.SHORT, i) & 0xFFFF) << 16));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.setAtIndex(LittleEndian.FLOAT, i, Float.float16ToFloat(src.getAtIndex(LittleEndian.SHORT, i)));
                }
            }
            default -> throw new ModelFormatException(t.file(), -1, name, "expected an F32, F16 or BF16 vector, found "
                    + t.dtype());
        }
        return new TensorView(name, QuantFormat.F32, new long[] {n}, dst);
    }

    /**
     * Returns computed values as an F32 vector owned by this directory.
     *
     * @param name the view's name
     * @param values the values
     * @return an F32 view of shape {@code [values.length]}
     */
    public TensorView computedF32(String name, float[] values) {
        MemorySegment dst = arena.allocate(4L * values.length, 64);
        for (int i = 0; i < values.length; i++) {
            dst.setAtIndex(LittleEndian.FLOAT, i, values[i]);
        }
        return new TensorView(name, QuantFormat.F32, new long[] {values.length}, dst);
    }

    /**
     * Unmaps the checkpoint and frees the converted vectors.
     *
     * @throws IllegalStateException when already closed
     */
    @Override
    public void close() {
        checkpoint.close();
        arena.close();
    }
}
