package io.jinfer.cli;

import io.jinfer.api.ModelFormatException;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufTensorInfo;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How many bytes of weights a dense model reads from memory for each generated token: every 2-D
 * weight matrix once (the layers' projections and the output projection).
 *
 * <p>The token embedding is a lookup of one row per token, negligible next to the matrices, so it
 * is left out, except when the model has no {@code output.weight}: then the embedding table is
 * also the output projection (tied embeddings) and is read whole, once. 1-D tensors (norms,
 * biases) are a rounding error and 3-D tensors (mixture-of-experts stacks, of which a token reads
 * only a few experts) are not counted, so the figure is meant for dense models. Hugging Face
 * checkpoint directories are counted the same way under their own tensor names.
 */
public final class WeightTraffic {
    static final String EMBEDDING = "token_embd.weight";
    static final String OUTPUT = "output.weight";
    /** The Hugging Face names of the same two tensors. */
    static final String HF_EMBEDDING = "model.embed_tokens.weight";
    static final String HF_OUTPUT = "lm_head.weight";

    private WeightTraffic() {}

    /**
     * @param model a GGUF model file, or a Hugging Face model directory (safetensors)
     * @return bytes of weights read per generated token
     * @throws ModelFormatException when the model has neither an output projection nor an embedding table
     */
    public static long bytesPerToken(Path model) {
        if (Files.isDirectory(model)) {
            try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(model)) {
                return checkpointBytesPerToken(checkpoint, model);
            }
        }
        try (GgufFile file = GgufFile.open(model)) {
            return bytesPerToken(file.tensorInfos(), model);
        }
    }

    /**
     * The same count for a safetensors checkpoint under its tensor names: its 2-D tensors, which for
     * quantised checkpoints include the scale grids read with the weights (1-D scales are too small
     * to count).
     */
    private static long checkpointBytesPerToken(SafetensorsCheckpoint checkpoint, Path dir) {
        List<Matrix> tensors = checkpoint.names().stream().map(checkpoint::tensor)
                .map(t -> new Matrix(t.name(), t.shape().length, t.data().byteSize())).toList();
        return count(tensors, HF_EMBEDDING, HF_OUTPUT, dir);
    }

    /**
     * @param tensors a model's tensor table
     * @param file the file it comes from, for the error message, or {@code null}
     * @return bytes of weights read per generated token
     * @throws ModelFormatException when the table has neither an output projection nor an embedding table
     */
    public static long bytesPerToken(List<GgufTensorInfo> tensors, Path file) {
        return count(tensors.stream().map(t -> new Matrix(t.name(), t.shape().length, t.byteSize())).toList(),
                EMBEDDING, OUTPUT, file);
    }

    /** A tensor as the count sees it. */
    private record Matrix(String name, int dimensions, long bytes) {}

    private static long count(List<Matrix> tensors, String embedding, String output, Path file) {
        boolean hasOutput = tensors.stream().anyMatch(t -> t.name().equals(output));
        boolean hasEmbedding = tensors.stream().anyMatch(t -> t.name().equals(embedding));
        if (!hasOutput && !hasEmbedding) {
            throw new ModelFormatException(file, -1, output, "neither " + output + " nor " + embedding
                    + " is present: cannot tell what the output projection reads per token");
        }
        long bytes = 0;
        for (Matrix t : tensors) {
            if (t.dimensions() != 2 || t.name().equals(embedding) && hasOutput) {
                continue;
            }
            bytes += t.bytes();
        }
        return bytes;
    }
}
