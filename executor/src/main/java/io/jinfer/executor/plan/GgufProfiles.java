package io.jinfer.executor.plan;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.Precision;
import io.jinfer.api.QuantFormat;
import io.jinfer.executor.ModelConfig;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufTensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds a {@link ModelProfile} from a GGUF file's tensor table and metadata: each block's bytes are
 * the sizes of its tensors as stored, its FLOPs per token twice the element count of its 2-D tensors,
 * its KV bytes per position from the head counts. Only the header is read.
 */
public final class GgufProfiles {
    private static final String EMBEDDING = "token_embd.weight";
    private static final String OUTPUT = "output.weight";

    private GgufProfiles() {}

    /**
     * Reads a model file's profile.
     *
     * @param file a GGUF model of a supported architecture
     * @param kvFormat the KV cache's format
     * @return the profile
     * @throws ModelFormatException when the file is malformed or lacks the embedding table
     */
    public static ModelProfile read(Path file, QuantFormat kvFormat) {
        try (GgufFile gguf = GgufFile.open(file)) {
            List<GgufTensorInfo> tensors = gguf.tensorInfos();
            GgufTensorInfo embedding = tensors.stream().filter(t -> t.name().equals(EMBEDDING)).findFirst()
                    .orElseThrow(() -> new ModelFormatException(file, -1, EMBEDDING, "the embedding table is missing"));
            ModelConfig c = ModelConfig.fromMetadata(file, gguf.metadata(), (int) embedding.shape()[1]);
            GgufTensorInfo output = tensors.stream().filter(t -> t.name().equals(OUTPUT)).findFirst().orElse(null);
            long[] bytes = new long[c.layers()];
            double[] flops = new double[c.layers()];
            Map<Integer, Map<QuantFormat, Long>> formats = new HashMap<>();
            long otherBytes = 0;
            for (GgufTensorInfo t : tensors) {
                int layer = layerOf(t.name());
                if (layer < 0 || layer >= c.layers()) {
                    if (!t.name().equals(EMBEDDING) && !t.name().equals(OUTPUT)) {
                        otherBytes += t.byteSize();
                    }
                    continue;
                }
                bytes[layer] += t.byteSize();
                if (t.shape().length == 2) {
                    flops[layer] += 2.0 * t.elementCount();
                    formats.computeIfAbsent(layer, k -> new HashMap<>()).merge(t.format(), t.byteSize(), Long::sum);
                }
            }
            long kv = (long) Math.ceil(2.0 * c.kvDim() * WeightFormats.bytesPerWeight(kvFormat));
            long row = embedding.byteSize() / Math.max(1, embedding.shape()[1]);
            List<LayerCost> layers = new ArrayList<>();
            layers.add(new LayerCost("embed", output == null ? 0 : embedding.byteSize(), row, 0, 0, 0,
                    WeightFormats.precision(embedding.format())));
            QuantFormat dominant = embedding.format();
            long dominantBytes = -1;
            for (int l = 0; l < c.layers(); l++) {
                Map<QuantFormat, Long> f = formats.getOrDefault(l, Map.of());
                QuantFormat main = f.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                        .orElse(QuantFormat.F32);
                if (f.getOrDefault(main, 0L) > dominantBytes) {
                    dominant = main;
                    dominantBytes = f.getOrDefault(main, 0L);
                }
                Precision p = WeightFormats.precision(main);
                layers.add(new LayerCost("blk." + l, bytes[l], bytes[l], flops[l], kv, 4.0 * c.qDim(), p));
            }
            GgufTensorInfo head = output != null ? output : embedding;
            long outBytes = head.byteSize() + otherBytes;
            layers.add(new LayerCost("output", outBytes, outBytes, 2.0 * head.elementCount(), 0, 0,
                    WeightFormats.precision(head.format())));
            long scratch = 4L * (6L * c.dim() + 3L * c.ffnDim() + c.vocabSize());
            String name = file.getFileName().toString();
            return new ModelProfile(name, dominant.name().toLowerCase(Locale.ROOT), layers, c.dim(),
                    c.contextLength(), scratch);
        }
    }

    /** @return N for a tensor named {@code blk.N.*}, else -1 */
    private static int layerOf(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        int dot = name.indexOf('.', 4);
        try {
            return Integer.parseInt(name.substring(4, dot < 0 ? name.length() : dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
