package io.jinfer.executor.plan;

import io.jinfer.api.Precision;
import io.jinfer.api.QuantFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Built-in model shapes (Llama 3.x 1B, 8B, 70B, 405B, from their published configurations), turned
 * into {@link ModelProfile}s for any weight format without needing the file.
 *
 * <p>All 2-D weights are stored in the chosen format, except that FP8 and FP4 checkpoint formats keep
 * the embedding and output projection in BF16 ({@link WeightFormats#keepsEmbeddingsWide}). Norms are F32.
 */
public final class ModelShapes {

    /**
     * Hyper-parameters of a decoder-only Llama-style transformer.
     *
     * @param name the shape's name
     * @param dim embedding width
     * @param layers blocks
     * @param heads query heads
     * @param kvHeads key/value heads
     * @param ffn feed-forward hidden width
     * @param vocab vocabulary size
     * @param tiedEmbeddings whether the output projection is the embedding table
     * @param context trained context length
     */
    public record Shape(String name, int dim, int layers, int heads, int kvHeads, int ffn, int vocab,
            boolean tiedEmbeddings, int context) {

        /**
         * Returns the width of one attention head.
         *
         * @return {@code dim / heads}
         */
        public int headDim() {
            return dim / heads;
        }
    }

    /** The shapes by name; Llama 3.1 8B/70B/405B and Llama 3.2 1B. */
    public static final Map<String, Shape> SHAPES;

    static {
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put("llama3-1b", new Shape("llama3-1b", 2048, 16, 32, 8, 8192, 128256, true, 131072));
        m.put("llama3-8b", new Shape("llama3-8b", 4096, 32, 32, 8, 14336, 128256, false, 131072));
        m.put("llama3-70b", new Shape("llama3-70b", 8192, 80, 64, 8, 28672, 128256, false, 131072));
        m.put("llama3-405b", new Shape("llama3-405b", 16384, 126, 128, 8, 53248, 128256, false, 131072));
        SHAPES = java.util.Collections.unmodifiableMap(m);
    }

    private ModelShapes() {}

    /**
     * Finds a shape by name: {@code llama3-70b}, or short forms such as {@code 70b}, {@code llama70b},
     * {@code llama-3.1-70b}, {@code llama1b}.
     *
     * @param name the name
     * @return the shape
     * @throws IllegalArgumentException naming the known shapes when there is no such shape
     */
    public static Shape shape(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        String size = n.replaceAll("^(meta-)?llama[-_ ]?(3(\\.[0-9])?)?[-_ ]?", "");
        Shape s = SHAPES.get("llama3-" + size);
        if (s == null) {
            throw new IllegalArgumentException("unknown model shape '" + name + "'; known: "
                    + String.join(", ", SHAPES.keySet()) + " (or 1b, 8b, 70b, 405b)");
        }
        return s;
    }

    /**
     * Builds the profile of a shape in a weight format.
     *
     * @param shape the shape
     * @param format the format of the 2-D weights
     * @param kvFormat the format of the KV cache (F16, F32, Q8_0, F8_E4M3, ...)
     * @return the profile
     */
    public static ModelProfile profile(Shape shape, QuantFormat format, QuantFormat kvFormat) {
        double bpw = WeightFormats.bytesPerWeight(format);
        Precision p = WeightFormats.precision(format);
        boolean wide = WeightFormats.keepsEmbeddingsWide(format);
        double edgeBpw = wide ? 2 : bpw;
        Precision edgeP = wide ? Precision.FP16 : p;
        int dim = shape.dim();
        int qDim = shape.heads() * shape.headDim();
        int kvDim = shape.kvHeads() * shape.headDim();
        long table = (long) Math.ceil((double) dim * shape.vocab() * edgeBpw);
        long row = (long) Math.ceil(dim * edgeBpw);
        List<LayerCost> layers = new ArrayList<>();
        // With tied embeddings the one table is held by the output layer; the lookup reads a row of it.
        layers.add(new LayerCost("embed", shape.tiedEmbeddings() ? 0 : table, row, 0, 0, 0, edgeP));
        long params = 2L * dim * qDim + 2L * dim * kvDim + 3L * dim * shape.ffn();
        long bytes = (long) Math.ceil(params * bpw) + 2L * dim * 4;
        long kv = (long) Math.ceil(2.0 * kvDim * WeightFormats.bytesPerWeight(kvFormat));
        for (int l = 0; l < shape.layers(); l++) {
            layers.add(new LayerCost("blk." + l, bytes, bytes, 2.0 * params, kv, 4.0 * qDim, p));
        }
        long outBytes = table + 4L * dim;
        layers.add(new LayerCost("output", outBytes, outBytes, 2.0 * dim * shape.vocab(), 0, 0, edgeP));
        long scratch = 4L * (6L * dim + 3L * shape.ffn() + shape.vocab());
        return new ModelProfile(shape.name(), format.name().toLowerCase(Locale.ROOT), layers, dim, shape.context(),
                scratch);
    }
}
