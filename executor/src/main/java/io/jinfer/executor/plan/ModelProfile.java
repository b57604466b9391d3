package io.jinfer.executor.plan;

import java.util.List;

/**
 * A model as the planner sees it: its layers in execution order with their costs.
 *
 * @param name e.g. {@code llama3-70b} or a file name
 * @param format the dominant weight format's name, for reports
 * @param layers embedding, blocks and output projection, in order
 * @param hiddenDim width of the activations that cross a split boundary (F32 per value)
 * @param trainedContext the longest context the model was trained for
 * @param scratchBytesPerToken working buffers per token in flight (activations, logits)
 */
public record ModelProfile(String name, String format, List<LayerCost> layers, int hiddenDim, int trainedContext,
        long scratchBytesPerToken) {

    /** Copies the layer list and checks the values. */
    public ModelProfile {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("model " + name + " has no layers");
        }
        if (hiddenDim < 1 || trainedContext < 1 || scratchBytesPerToken < 0) {
            throw new IllegalArgumentException("model " + name + ": hidden width and trained context must be >= 1");
        }
    }

    /**
     * Returns the bytes of every layer's weights together.
     *
     * @return total weight bytes
     */
    public long weightBytes() {
        return layers.stream().mapToLong(LayerCost::weightBytes).sum();
    }

    /**
     * Returns the KV-cache bytes of one position across all layers.
     *
     * @return KV bytes per position
     */
    public long kvBytesPerPosition() {
        return layers.stream().mapToLong(LayerCost::kvBytesPerPosition).sum();
    }

    /**
     * Returns the bytes that cross a split boundary per token: the hidden state in F32.
     *
     * @return activation bytes per token
     */
    public long activationBytesPerToken() {
        return 4L * hiddenDim;
    }
}
