package io.jinfer.loader.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufTensorInfo;
import io.jinfer.loader.synth.Architecture;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ModelQuantizer} on generated models: formats, shapes, metadata and order of the output,
 * the bytes against the row quantisers, the error statistics against an independent computation,
 * thread independence, F16 input, and the failures.
 */
class ModelQuantizerTest {
    @TempDir
    static Path shared;
    private static Path f32;

    @TempDir
    Path dir;

    /** A small F32 Llama with 256-wide rows (every block size divides them). */
    static SyntheticModel small(QuantFormat format) {
        return new SyntheticModel(Architecture.LLAMA, 256, 2, 4, 2, 512, 300, 256, 10000f, false, format, 11);
    }

    @BeforeAll
    static void generate() {
        f32 = shared.resolve("small-f32.gguf");
        SyntheticModels.write(small(QuantFormat.F32), f32, 2);
    }

    private static ModelQuantizerReport quantize(Path in, Path out, QuantFormat target, int threads) {
        return new ModelQuantizer(ModelQuantizerOptions.builder(target).threads(threads).build()).quantize(in, out);
    }

    @Test
    void weightMatricesGetTheTargetAndEverythingElseIsKept() {
        Path out = dir.resolve("q4_k.gguf");
        ModelQuantizerReport report = quantize(f32, out, QuantFormat.Q4_K, 2);
        try (GgufFile in = GgufFile.open(f32); GgufFile q = GgufFile.open(out)) {
            assertEquals(in.tensorInfos().size(), q.tensorInfos().size());
            for (GgufTensorInfo t : q.tensorInfos()) {
                GgufTensorInfo src = in.tensorInfos().stream().filter(s -> s.name().equals(t.name())).findFirst()
                        .orElseThrow();
                assertArrayEquals(src.shape(), t.shape(), t.name());
                assertEquals(t.shape().length == 2 ? QuantFormat.Q4_K : QuantFormat.F32, t.format(), t.name());
                if (t.shape().length == 1) {
                    assertEquals(-1, in.tensor(t.name()).data().mismatch(q.tensor(t.name()).data()),
                            t.name() + " is copied unchanged");
                }
            }
            List<String> names = q.tensorInfos().stream().map(GgufTensorInfo::name).toList();
            assertEquals(List.of("output.weight", "output_norm.weight", "token_embd.weight", "blk.0.attn_k.weight",
                    "blk.0.attn_norm.weight"), names.subList(0, 5), "llama.cpp's order");
            assertEquals("blk.1.attn_k.weight", names.get(3 + 9));

            GgufMetadata m = q.metadata();
            List<String> keys = List.copyOf(m.keys());
            assertEquals(List.of(ModelQuantizer.QUANTIZATION_VERSION_KEY, ModelQuantizer.FILE_TYPE_KEY),
                    keys.subList(keys.size() - 2, keys.size()), "set last, as llama-quantize does");
            assertEquals(15, m.getInt(ModelQuantizer.FILE_TYPE_KEY), "LLAMA_FTYPE_MOSTLY_Q4_K_M");
            assertEquals(2, m.getInt(ModelQuantizer.QUANTIZATION_VERSION_KEY));
            for (String key : in.metadata().keys()) {
                if (!key.equals(ModelQuantizer.FILE_TYPE_KEY)) {
                    GgufMetadata.Entry a = in.metadata().entries().get(key);
                    GgufMetadata.Entry b = m.entries().get(key);
                    assertEquals(a.type(), b.type(), key);
                    assertEquals(a.elementType(), b.elementType(), key);
                    assertTrue(Objects.deepEquals(a.value(), b.value()), key);
                }
            }
        }
        assertEquals(7 * 2 + 2, report.tensors().stream().filter(ModelQuantizerReport.TensorStats::converted).count());
        assertEquals(QuantFormat.Q4_K, report.target());
        assertEquals(15, report.fileType());
        assertTrue(report.bytesOut() < report.bytesIn() / 5, "Q4_K takes 4.5 bits a weight instead of 32");
        assertTrue(report.seconds() > 0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Q8_0", "Q4_1", "Q3_K", "IQ4_XS", "NVFP4", "BF16"})
    void tensorsHoldTheRowQuantisersBytes(QuantFormat target) {
        Path out = dir.resolve("out.gguf");
        quantize(f32, out, target, 3);
        try (GgufFile in = GgufFile.open(f32); GgufFile q = GgufFile.open(out); Arena arena = Arena.ofConfined()) {
            for (GgufTensorInfo t : q.tensorInfos()) {
                if (t.format() != target) {
                    continue;
                }
                TensorView src = in.tensor(t.name());
                int cols = src.columns();
                float[] row = new float[cols];
                long rowBytes = target.rowBytes(cols);
                MemorySegment mine = arena.allocate(rowBytes);
                for (int r = 0; r < src.rows(); r++) {
                    MemorySegment.copy(src.data(), LittleEndian.FLOAT, (long) r * cols * 4, row, 0, cols);
                    Quantizer.quantizeRow(target, row, 0, cols, mine, 0);
                    MemorySegment written = q.tensor(t.name()).data().asSlice(r * rowBytes, rowBytes);
                    assertEquals(-1, mine.mismatch(written), t.name() + " row " + r);
                }
            }
        }
    }

    /** Relative RMSE bounds: well above what each format gives on Gaussian weights, well below the next. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "Q8_0, 0.001, 0.01", "Q6_K, 0.008, 0.03", "Q5_0, 0.02, 0.06", "Q5_K, 0.02, 0.06", "Q4_0, 0.05, 0.12",
        "Q4_K, 0.04, 0.1", "IQ4_NL, 0.04, 0.1", "MXFP4, 0.06, 0.16", "NVFP4, 0.05, 0.14", "Q3_K, 0.1, 0.2",
        "Q2_K, 0.2, 0.4", "F16, 0.00005, 0.0005", "BF16, 0.0005, 0.004"})
    void errorStatisticsAreThoseOfTheWrittenValues(QuantFormat target, double low, double high) {
        Path out = dir.resolve("out.gguf");
        ModelQuantizerReport report = quantize(f32, out, target, 2);
        double sumSq = 0;
        double sumRef = 0;
        double max = 0;
        long values = 0;
        try (GgufFile in = GgufFile.open(f32); GgufFile q = GgufFile.open(out)) {
            for (ModelQuantizerReport.TensorStats t : report.tensors()) {
                if (!t.converted()) {
                    assertEquals(0, t.error().values(), t.name());
                    continue;
                }
                TensorView src = in.tensor(t.name());
                TensorView dst = q.tensor(t.name());
                int n = (int) src.elementCount();
                float[] a = new float[n];
                float[] b = new float[n];
                ReferenceDequantizer.dequantize(QuantFormat.F32, src.data(), 0, n, a, 0);
                ReferenceDequantizer.dequantize(target, dst.data(), 0, n, b, 0);
                double tensorSq = 0;
                for (int i = 0; i < n; i++) {
                    double d = (double) b[i] - a[i];
                    tensorSq += d * d;
                    sumRef += (double) a[i] * a[i];
                    max = Math.max(max, Math.abs(d));
                }
                sumSq += tensorSq;
                values += n;
                assertEquals(n, t.error().values(), t.name());
                assertEquals(tensorSq, t.error().sumSquaredError(), tensorSq * 1e-9, t.name());
            }
        }
        ModelQuantizerReport.ErrorStats total = report.total();
        assertEquals(values, total.values());
        assertEquals(Math.sqrt(sumSq / values), total.rmse(), total.rmse() * 1e-9);
        assertEquals(Math.sqrt(sumSq / sumRef), total.relativeRmse(), total.relativeRmse() * 1e-9);
        assertEquals(max, total.maxAbsError(), "the largest error is found exactly");
        assertTrue(total.relativeRmse() > low && total.relativeRmse() < high,
                target + " relative RMSE " + total.relativeRmse() + " outside (" + low + ", " + high + ")");

        List<ModelQuantizerReport.ErrorStats> kinds = report.byKind();
        assertEquals(List.of("output.weight", "token_embd.weight", "attn_k.weight", "attn_output.weight",
                "attn_q.weight", "attn_v.weight", "ffn_down.weight", "ffn_gate.weight", "ffn_up.weight"),
                kinds.stream().map(ModelQuantizerReport.ErrorStats::label).toList());
        assertEquals(values, kinds.stream().mapToLong(ModelQuantizerReport.ErrorStats::values).sum());
        assertEquals(2, kinds.get(2).tensors(), "attn_k of both layers");
        assertEquals(max, kinds.stream().mapToDouble(ModelQuantizerReport.ErrorStats::maxAbsError).max().orElse(0));
    }

    @Test
    void theThreadCountChangesNeitherBytesNorStatistics() throws IOException {
        Path one = dir.resolve("one.gguf");
        Path three = dir.resolve("three.gguf");
        ModelQuantizerReport a = quantize(f32, one, QuantFormat.Q5_K, 1);
        ModelQuantizerReport b = quantize(f32, three, QuantFormat.Q5_K, 3);
        assertEquals(-1, Files.mismatch(one, three));
        assertEquals(a.tensors(), b.tensors());
        assertEquals(a.total(), b.total());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"F16, 1", "BF16, 32"})
    void readsHalfPrecisionWeightsAndCopiesTensorsAlreadyInTheTarget(QuantFormat source, int fileType)
            throws IOException {
        Path half = dir.resolve("half.gguf");
        SyntheticModels.write(small(source), half, 2);
        Path q8 = dir.resolve("q8.gguf");
        ModelQuantizerReport report = quantize(half, q8, QuantFormat.Q8_0, 2);
        assertEquals(16, report.tensors().stream().filter(t -> t.converted() && t.sourceFormat() == source).count());
        assertTrue(report.total().relativeRmse() < 0.01);
        try (GgufFile in = GgufFile.open(half); GgufFile q = GgufFile.open(q8); Arena arena = Arena.ofConfined()) {
            // Every row is the Q8_0 of the input row widened to F32.
            TensorView src = in.tensor("blk.1.ffn_down.weight");
            int cols = src.columns();
            float[] row = new float[cols];
            long rowBytes = QuantFormat.Q8_0.rowBytes(cols);
            MemorySegment mine = arena.allocate(rowBytes);
            for (int r = 0; r < src.rows(); r++) {
                ReferenceDequantizer.dequantize(source, src.data(), r * source.rowBytes(cols), cols, row, 0);
                Quantizer.quantizeRow(QuantFormat.Q8_0, row, 0, cols, mine, 0);
                assertEquals(-1, mine.mismatch(q.tensor(src.name()).data().asSlice(r * rowBytes, rowBytes)), "row " + r);
            }
        }

        Path again = dir.resolve("again.gguf");
        ModelQuantizerReport copy = quantize(half, again, source, 2);
        assertTrue(copy.tensors().stream().noneMatch(ModelQuantizerReport.TensorStats::converted));
        assertEquals(0, copy.total().values());
        try (GgufFile a = GgufFile.open(half); GgufFile b = GgufFile.open(again)) {
            for (GgufTensorInfo t : a.tensorInfos()) {
                assertEquals(-1, a.tensor(t.name()).data().mismatch(b.tensor(t.name()).data()), t.name());
            }
            assertEquals(fileType, b.metadata().getInt(ModelQuantizer.FILE_TYPE_KEY));
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"Q4_K, Q5_0", "Q5_K, Q5_1", "Q6_K, Q8_0", "Q2_K, IQ4_NL", "Q3_K, IQ4_NL", "IQ4_XS, IQ4_NL"})
    void rowsShorterThanASuperBlockFallBackAsLlamaQuantizeDoes(QuantFormat target, QuantFormat fallback) {
        // dim 128 and FFN 384: no row is a whole number of 256-value super-blocks.
        Path tiny = dir.resolve("tiny.gguf");
        SyntheticModels.write(SyntheticModel.tiny().withWeightFormat(QuantFormat.F32), tiny, 2);
        Path out = dir.resolve("out.gguf");
        ModelQuantizerReport report = quantize(tiny, out, target, 2);
        assertEquals(16, report.fallbacks().size());
        try (GgufFile q = GgufFile.open(out)) {
            for (GgufTensorInfo t : q.tensorInfos()) {
                assertEquals(t.shape().length == 2 ? fallback : QuantFormat.F32, t.format(), t.name());
            }
            assertEquals(LlamaFileType.of(target), q.metadata().getInt(ModelQuantizer.FILE_TYPE_KEY),
                    "the file type names the format asked for, as llama-quantize writes it");
        }
        assertTrue(report.total().values() > 0);
    }

    @ParameterizedTest(name = "{0} on rows of {1} -> {2}")
    @CsvSource({"Q4_0, 48, F16", "Q8_0, 100, F16", "NVFP4, 96, MXFP4", "NVFP4, 80, F16", "Q4_K, 48, F16",
        "MXFP4, 16, F16", "F16, 7, F16"})
    void otherRowLengthsFallBackToACompatibleFormat(QuantFormat target, int rowLength, QuantFormat expected) {
        Path in = dir.resolve("odd.gguf");
        float[] values = new float[rowLength * 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i * 0.37);
        }
        new io.jinfer.loader.gguf.GgufWriter()
                .putString("general.architecture", "llama")
                .addTensor("blk.0.attn_q.weight", QuantFormat.F32, new long[] {rowLength, 3}, bytes(values))
                .write(in);
        Path out = dir.resolve("out.gguf");
        ModelQuantizerReport report = quantize(in, out, target, 1);
        ModelQuantizerReport.TensorStats t = report.tensors().getFirst();
        assertEquals(expected, t.format());
        assertEquals(expected != target, t.fallback());
        assertEquals(rowLength * 3L, t.error().values());
        try (GgufFile q = GgufFile.open(out)) {
            assertEquals(expected, q.tensorInfos().getFirst().format());
        }
    }

    private static byte[] bytes(float[] values) {
        byte[] b = new byte[values.length * 4];
        MemorySegment s = MemorySegment.ofArray(b);
        for (int i = 0; i < values.length; i++) {
            s.set(LittleEndian.FLOAT, 4L * i, values[i]);
        }
        return b;
    }

    @Test
    void quantisedInputIsRefusedNamingTheTensor() {
        Path q8 = dir.resolve("q8.gguf");
        SyntheticModels.write(small(QuantFormat.Q8_0), q8, 2);
        ModelQuantizerException e = assertThrows(ModelQuantizerException.class,
                () -> quantize(q8, dir.resolve("out.gguf"), QuantFormat.Q4_0, 1));
        assertTrue(e.getMessage().contains("output.weight is Q8_0"), e.getMessage());
        assertTrue(e.getMessage().contains("F32, F16 or BF16"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out.gguf")));
    }

    @Test
    void theOutputMayNotBeTheInput() throws IOException {
        Path copy = Files.copy(f32, dir.resolve("m.gguf"));
        byte[] before = Files.readAllBytes(copy);
        ModelQuantizerException same = assertThrows(ModelQuantizerException.class,
                () -> quantize(copy, dir.resolve(".").resolve("m.gguf"), QuantFormat.Q8_0, 1));
        assertTrue(same.getMessage().contains("is the input file"), same.getMessage());
        Path link = Files.createSymbolicLink(dir.resolve("link.gguf"), copy);
        assertThrows(ModelQuantizerException.class, () -> quantize(copy, link, QuantFormat.Q8_0, 1));
        assertArrayEquals(before, Files.readAllBytes(copy));
    }

    @Test
    void aMissingOutputDirectoryIsNamed() {
        ModelQuantizerException e = assertThrows(ModelQuantizerException.class,
                () -> quantize(f32, dir.resolve("no/such/dir/out.gguf"), QuantFormat.Q8_0, 1));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void unknownTargetsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelQuantizer.parseTarget("q4_k_m"));
        assertTrue(e.getMessage().contains("q4_k_m") && e.getMessage().contains("iq4_xs"), e.getMessage());
        assertEquals(QuantFormat.Q4_K, ModelQuantizer.parseTarget("Q4_K"));
        assertThrows(IllegalArgumentException.class, () -> ModelQuantizerOptions.builder(QuantFormat.Q8_K).build());
        assertThrows(IllegalArgumentException.class, () -> ModelQuantizerOptions.builder(QuantFormat.F8_E4M3).build());
        assertEquals(QuantFormat.F32, ModelQuantizer.parseTarget("f32"), "f32: a plain conversion");
        assertThrows(IllegalArgumentException.class,
                () -> ModelQuantizerOptions.builder(QuantFormat.Q8_0).threads(0).build());
        assertEquals(17, ModelQuantizer.targetNames().size());
        for (QuantFormat f : ModelQuantizer.TARGETS) {
            assertTrue(Quantizer.supports(f), f + " has a quantiser");
        }
    }

    /** A listener that fails on the fifth tensor. */
    private static final class FailingListener implements ModelQuantizerListener {
        @Override
        public void progress(ModelQuantizerProgress p) {
            if (p.tensor() == 5) {
                throw new IllegalStateException("disk on fire");
            }
        }
    }

    @Test
    void aFailureMidwayLeavesNoOutputAndNoTemporaryFile() throws IOException {
        Path out = dir.resolve("out.gguf");
        ModelQuantizer q = new ModelQuantizer(ModelQuantizerOptions.builder(QuantFormat.Q4_0).threads(2)
                .listener(new FailingListener()).build());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> q.quantize(f32, out));
        assertEquals("disk on fire", e.getMessage());
        assertEquals(List.of(), listDir(), "neither the output nor a temporary file");

        Files.writeString(out, "an older model");
        assertThrows(IllegalStateException.class, () -> q.quantize(f32, out));
        assertEquals("an older model", Files.readString(out), "an existing output stays untouched");
        assertEquals(List.of("out.gguf"), listDir());
    }

    @Test
    void anInterruptStopsTheRunAndCleansUp() throws Exception {
        Path out = dir.resolve("out.gguf");
        ModelQuantizer q = new ModelQuantizer(ModelQuantizerOptions.builder(QuantFormat.Q6_K).threads(2)
                .listener(new ModelQuantizerListener() {
                    @Override
                    public void progress(ModelQuantizerProgress p) {
                        if (p.tensor() == 3) {
                            // What the command line's Ctrl-C handler does to the quantising thread.
                            Thread.currentThread().interrupt();
                        }
                    }
                }).build());
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                q.quantize(f32, out);
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        t.start();
        t.join();
        assertTrue(thrown[0] instanceof ModelQuantizerException, String.valueOf(thrown[0]));
        assertTrue(thrown[0].getMessage().contains("interrupted"), thrown[0].getMessage());
        assertEquals(List.of(), listDir());
    }

    @Test
    void theListenerSeesEveryTensorInOrder() {
        List<ModelQuantizerProgress> done = new ArrayList<>();
        List<ModelQuantizerProgress> steps = new ArrayList<>();
        ModelQuantizer q = new ModelQuantizer(ModelQuantizerOptions.builder(QuantFormat.Q8_0).threads(2)
                .listener(new ModelQuantizerListener() {
                    @Override
                    public void progress(ModelQuantizerProgress p) {
                        steps.add(p);
                    }

                    @Override
                    public void tensorDone(ModelQuantizerReport.TensorStats t, ModelQuantizerProgress p) {
                        assertEquals(t.name(), p.tensorName());
                        done.add(p);
                    }
                }).build());
        ModelQuantizerReport report = q.quantize(f32, dir.resolve("out.gguf"));
        int n = report.tensors().size();
        assertEquals(n, done.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i + 1, done.get(i).tensor());
            assertEquals(n, done.get(i).tensorCount());
            assertEquals(report.tensors().get(i).name(), done.get(i).tensorName());
        }
        ModelQuantizerProgress last = steps.getLast();
        assertEquals(last.bytesTotal(), last.bytesRead());
        assertEquals(1.0, last.fraction());
        long tensorBytesOut = report.tensors().stream().mapToLong(ModelQuantizerReport.TensorStats::bytesOut).sum();
        assertEquals(tensorBytesOut, last.bytesWritten());
        for (int i = 1; i < steps.size(); i++) {
            assertTrue(steps.get(i).bytesRead() >= steps.get(i - 1).bytesRead());
        }
    }

    private List<String> listDir() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
