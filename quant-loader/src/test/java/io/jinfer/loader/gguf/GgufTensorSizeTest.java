package io.jinfer.loader.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.testing.SharedFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The block layout of each format ({@link QuantFormat#blockSize()}, {@link QuantFormat#bytesPerBlock()})
 * checked against files llama.cpp wrote: the size computed for every tensor, rounded up to the
 * alignment, must equal the gap to the next tensor's offset (or to the end of the file).
 */
class GgufTensorSizeTest {

    @Test
    void computedSizeOfEveryTensorEqualsTheOffsetGap() throws IOException {
        Path models = SharedFixtures.require("models");
        List<Path> files;
        try (Stream<Path> s = Files.list(models)) {
            files = s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        Set<QuantFormat> seen = EnumSet.noneOf(QuantFormat.class);
        int checked = 0;
        for (Path file : files) {
            try (GgufFile g = GgufFile.open(file)) {
                List<GgufTensorInfo> byOffset = new ArrayList<>(g.tensorInfos());
                byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
                for (int i = 0; i < byOffset.size(); i++) {
                    GgufTensorInfo t = byOffset.get(i);
                    long next = i + 1 < byOffset.size() ? byOffset.get(i + 1).offset() : g.fileSize() - g.dataOffset();
                    assertEquals(next - t.offset(), GgufFile.align(t.byteSize(), g.alignment()),
                            () -> file.getFileName() + " " + t + ": " + t.format() + " computes " + t.byteSize()
                                    + " bytes for " + t.elementCount() + " values");
                    seen.add(t.format());
                    checked++;
                }
            }
        }
        System.out.printf("%d tensors in %d files match; formats %s%n", checked, files.size(), seen);
        assertTrue(seen.containsAll(EnumSet.of(QuantFormat.NVFP4, QuantFormat.MXFP4, QuantFormat.Q4_K,
                QuantFormat.IQ4_XS, QuantFormat.BF16)), "the fixtures cover the formats in question: " + seen);
    }
}
