package io.jinfer.loader.quant;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufTensorInfo;
import io.jinfer.loader.hf.HfToGguf;
import io.jinfer.loader.hf.RopePermutation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The model a {@link ModelQuantizer} reads, as GGUF metadata and tensors: a GGUF file as it is, or a
 * Hugging Face directory as {@link HfToGguf} presents it (GGUF names, permuted Q/K rows, 1-D tensors
 * to be widened to F32 as llama.cpp's converter writes them).
 */
final class QuantizerInput implements AutoCloseable {

    /**
     * One tensor.
     *
     * @param info name, source format and ggml shape (the offset is meaningless for a directory)
     * @param data the values
     * @param permutation row order to apply, or null
     * @param widenVectors whether 1-D tensors are written as F32 whatever their source format
     */
    record Tensor(GgufTensorInfo info, TensorView data, RopePermutation permutation, boolean widenVectors) {}

    private final Path path;
    private final long bytes;
    private final Map<String, GgufMetadata.Entry> metadata;
    private final List<Tensor> tensors;
    private final AutoCloseable resource;

    private QuantizerInput(Path path, long bytes, Map<String, GgufMetadata.Entry> metadata, List<Tensor> tensors,
            AutoCloseable resource) {
        this.path = path;
        this.bytes = bytes;
        this.metadata = metadata;
        this.tensors = tensors;
        this.resource = resource;
    }

    /**
     * Opens a GGUF file or a Hugging Face model directory.
     *
     * @param path the file or directory
     * @return the input
     */
    static QuantizerInput open(Path path) {
        if (Files.isDirectory(path)) {
            HfToGguf hf = HfToGguf.open(path);
            List<Tensor> list = new ArrayList<>();
            for (HfToGguf.Tensor t : hf.tensors()) {
                TensorView v = t.data();
                list.add(new Tensor(new GgufTensorInfo(t.name(), v.format(), v.shape(), 0, v.data().byteSize()), v,
                        t.permutation(), true));
            }
            return new QuantizerInput(path, hf.checkpointBytes(), hf.metadata(), list, hf);
        }
        GgufFile in = GgufFile.open(path);
        List<Tensor> list = new ArrayList<>();
        for (GgufTensorInfo info : in.tensorInfos()) {
            list.add(new Tensor(info, in.tensor(info.name()), null, false));
        }
        return new QuantizerInput(path, in.fileSize(), in.metadata().entries(), list, in);
    }

    /** @return the file or directory read */
    Path path() {
        return path;
    }

    /** @return the size of the input on disk */
    long bytes() {
        return bytes;
    }

    /** @return the metadata, in file order */
    Map<String, GgufMetadata.Entry> metadata() {
        return metadata;
    }

    /** @return every tensor, in input order */
    List<Tensor> tensors() {
        return tensors;
    }

    /** @return whether a 1-D tensor of this format is converted to F32 on the way */
    static boolean widens(Tensor t) {
        return t.widenVectors() && t.info().shape().length == 1 && t.info().format() != QuantFormat.F32;
    }

    @Override
    public void close() {
        try {
            resource.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot close " + path, e);
        }
    }
}
