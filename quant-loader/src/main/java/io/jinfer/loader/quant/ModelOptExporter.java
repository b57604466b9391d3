package io.jinfer.loader.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.CheckpointQuantizer;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.format.ScaledTensor;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.hf.HfQuantization;
import io.jinfer.loader.safetensors.SafetensorsCheckpoint;
import io.jinfer.loader.safetensors.SafetensorsDtype;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes an F32, F16 or BF16 model (a Hugging Face directory, or a GGUF file of the llama family) as
 * a checkpoint in NVIDIA ModelOpt's layout, which jinfer, vLLM and TensorRT-LLM read:
 * <ul>
 *   <li>every linear layer of the transformer blocks (Q, K, V, O, gate, up, down) becomes, with
 *   {@link CheckpointQuantizer}'s numerics, either FP8: {@code weight} F8_E4M3 {@code [out, in]} and
 *   {@code weight_scale} F32 (a scalar per tensor, or {@code [out, 1]} per channel); or NVFP4:
 *   {@code weight} U8 {@code [out, in/2]} (two E2M1 codes a byte, the even element in the low
 *   nibble), {@code weight_scale} F8_E4M3 {@code [out, in/16]} and {@code weight_scale_2} an F32
 *   scalar;</li>
 *   <li>embeddings, {@code lm_head}, norms and biases are written in their source precision;
 *   {@code lm_head} is listed in {@code exclude_modules}, as are the linear layers whose rows do not
 *   split into NVFP4's groups of 16 (written in source precision, reported as fallbacks);</li>
 *   <li>{@code model.safetensors}, or shards {@code model-0000i-of-0000n.safetensors} with
 *   {@code model.safetensors.index.json} when the tensors exceed {@link ModelOptOptions#shardBytes()};</li>
 *   <li>{@code config.json} with a {@code quantization_config} ({@code quant_method: modelopt}),
 *   {@code hf_quant_config.json} ({@code producer}, {@code quantization.quant_algo},
 *   {@code kv_cache_quant_algo: null}, {@code exclude_modules}), and the tokenizer files copied.</li>
 * </ul>
 * No activation scales ({@code input_scale}) are written: they need calibration data, and jinfer
 * keeps activations in float. A GGUF input gets its Q/K rows put back in Hugging Face order and a
 * {@code config.json} built from its metadata; it has no tokenizer files to copy.
 *
 * <p>One tensor is in memory at a time. The checkpoint is written into a temporary directory beside
 * the output and renamed into place when complete.
 */
public final class ModelOptExporter {
    /** The producer named in {@code hf_quant_config.json}. */
    public static final String PRODUCER = "jinfer";
    private static final String PRODUCER_VERSION = "0.1.0";
    private static final Pattern LINEAR = Pattern.compile(
            "blk\\.\\d+\\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\\.weight");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COPY_CHUNK = 4 << 20;

    private final ModelOptOptions options;

    /**
     * Creates an exporter; it keeps no state between runs.
     *
     * @param options algorithm, granularity, shard size and listener
     */
    public ModelOptExporter(ModelOptOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Writes {@code input} as a ModelOpt checkpoint directory.
     *
     * @param input a Hugging Face model directory or a GGUF file, F32/F16/BF16
     * @param output the directory to create; it must not exist or be empty
     * @return what was written, with the error of every quantised tensor ({@code fileType} -1)
     * @throws ModelQuantizerException when the output is unusable or the run was interrupted
     * @throws ModelFormatException when the input is not a plain llama, mistral, qwen2 or qwen3 model
     * @throws UncheckedIOException when a file cannot be read or written
     */
    public ModelQuantizerReport export(Path input, Path output) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        Path out = output.toAbsolutePath().normalize();
        checkOutput(input, out);
        long start = System.nanoTime();
        try (HfExportSource src = HfExportSource.open(input)) {
            List<String> excluded = new ArrayList<>();
            List<Module> modules = new ArrayList<>();
            long bytesTotal = 0;
            for (HfExportSource.Tensor t : src.tensors()) {
                modules.add(plan(t, excluded));
                bytesTotal += t.data().data().byteSize();
            }
            ProgressTracker tracker = new ProgressTracker(options.listener(), modules.size(), bytesTotal);
            Path tmp = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".tmp-");
            try {
                long written = writeShards(tmp, modules, tracker);
                written += writeJson(tmp.resolve("config.json"), config(src, excluded));
                written += writeJson(tmp.resolve(HfQuantization.MODELOPT_FILE), hfQuantConfig(excluded));
                for (Path f : src.sideFiles()) {
                    Files.copy(f, tmp.resolve(f.getFileName()));
                    written += Files.size(f);
                }
                if (Files.isDirectory(out)) {
                    Files.delete(out);
                }
                try {
                    Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, out);
                }
                tmp = null;
                QuantFormat target = options.algorithm() == ModelOptOptions.Algorithm.FP8 ? QuantFormat.F8_E4M3
                        : QuantFormat.E2M1;
                return new ModelQuantizerReport(input, output, target, -1, tracker.tensors(), src.bytes(), written,
                        (System.nanoTime() - start) / 1e9);
            } finally {
                if (tmp != null) {
                    deleteTree(tmp);
                }
            }
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw new ModelQuantizerException("quantising " + input + " was interrupted; " + output
                    + " was not written", e);
        } catch (UncheckedIOException e) {
            // Mapping or reading the input on an interrupted thread fails with the channel closed.
            if (e.getCause() instanceof InterruptedIOException || e.getCause() instanceof ClosedByInterruptException
                    || Thread.currentThread().isInterrupted()) {
                throw new ModelQuantizerException("quantising " + input + " was interrupted; " + output
                        + " was not written", e);
            }
            throw e;
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new ModelQuantizerException("quantising " + input + " was interrupted; " + output
                        + " was not written", e);
            }
            throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
        }
    }

    private static void checkOutput(Path input, Path out) {
        if (input.toAbsolutePath().normalize().equals(out)) {
            throw new ModelQuantizerException("the output " + out + " is the input; write the checkpoint elsewhere");
        }
        if (Files.exists(out)) {
            boolean empty = false;
            if (Files.isDirectory(out)) {
                try (Stream<Path> s = Files.list(out)) {
                    empty = s.findAny().isEmpty();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + out, e);
                }
            }
            if (!empty) {
                throw new ModelQuantizerException("the output " + out + " already exists; a ModelOpt checkpoint is "
                        + "written as a new directory (or into an empty one)");
            }
        }
        if (out.getParent() == null || !Files.isDirectory(out.getParent())) {
            throw new ModelQuantizerException("the output directory's parent " + out.getParent() + " does not exist");
        }
    }

    /** A tensor of the source and the checkpoint tensors written for it. */
    private record Module(HfExportSource.Tensor source, Quantised quantised, boolean fallback,
            List<SafetensorsStreamWriter.Entry> entries) {}

    private Module plan(HfExportSource.Tensor t, List<String> excluded) {
        boolean linear = t.data().shape().length == 2 && LINEAR.matcher(t.role()).matches();
        String module = t.name().endsWith(".weight") ? t.name().substring(0, t.name().length() - 7) : t.name();
        boolean nvfp4 = options.algorithm() == ModelOptOptions.Algorithm.NVFP4;
        boolean fits = !nvfp4 || t.columns() % CheckpointQuantizer.NVFP4_BLOCK == 0;
        if (t.name().equals("lm_head.weight")) {
            excluded.add("lm_head");
        }
        List<SafetensorsStreamWriter.Entry> entries = new ArrayList<>();
        Quantised q = new Quantised();
        if (!linear || !fits) {
            if (linear) {
                excluded.add(module);
            }
            entries.add(new SafetensorsStreamWriter.Entry(t.name(), SafetensorsDtype.valueOf(t.data().format().name()),
                    t.hfShape(), o -> copy(t, o)));
            return new Module(t, null, linear, entries);
        }
        long rows = t.rows();
        long cols = t.columns();
        if (nvfp4) {
            entries.add(new SafetensorsStreamWriter.Entry(module + ".weight", SafetensorsDtype.U8,
                    new long[] {rows, cols / 2}, o -> q.quantise(t, o)));
            entries.add(new SafetensorsStreamWriter.Entry(module + ".weight_scale", SafetensorsDtype.F8_E4M3,
                    new long[] {rows, cols / CheckpointQuantizer.NVFP4_BLOCK}, o -> write(q.tensor.scales().data(), o)));
            entries.add(new SafetensorsStreamWriter.Entry(module + ".weight_scale_2", SafetensorsDtype.F32,
                    new long[0], o -> writeF32(q.tensor.scales().globalScale(), o)));
        } else {
            boolean channel = options.granularity() == ModelOptOptions.Granularity.CHANNEL;
            entries.add(new SafetensorsStreamWriter.Entry(module + ".weight", SafetensorsDtype.F8_E4M3,
                    new long[] {rows, cols}, o -> q.quantise(t, o)));
            entries.add(new SafetensorsStreamWriter.Entry(module + ".weight_scale", SafetensorsDtype.F32,
                    channel ? new long[] {rows, 1} : new long[0], o -> write(q.tensor.scales().data(), o)));
        }
        return new Module(t, q, false, entries);
    }

    /** The quantised form of the tensor being written, shared by its weight and scale entries. */
    private final class Quantised {
        ScaledTensor tensor;
        ModelQuantizerReport.ErrorStats error;

        void quantise(HfExportSource.Tensor t, OutputStream o) throws IOException {
            float[] values = t.readAll();
            int rows = t.rows();
            int cols = t.columns();
            tensor = switch (options.algorithm()) {
                case NVFP4 -> CheckpointQuantizer.nvfp4(values, rows, cols);
                case FP8 -> options.granularity() == ModelOptOptions.Granularity.CHANNEL
                        ? CheckpointQuantizer.fp8PerChannel(QuantFormat.F8_E4M3, values, rows, cols)
                        : CheckpointQuantizer.fp8PerTensor(QuantFormat.F8_E4M3, values, rows, cols);
            };
            error = error(t.role(), tensor.view(t.role()), values, rows, cols);
            write(tensor.codes(), o);
        }
    }

    /** Compares each row expanded back with the original, as the GGUF quantizer does. */
    private static ModelQuantizerReport.ErrorStats error(String name, TensorView view, float[] values, int rows,
            int cols) {
        float[] back = new float[cols];
        double sq = 0;
        double ref = 0;
        double max = 0;
        for (int r = 0; r < rows; r++) {
            ScaledDequantizer.dequantizeRow(view, r, back, 0);
            for (int c = 0; c < cols; c++) {
                double v = values[r * cols + c];
                double d = back[c] - v;
                sq += d * d;
                ref += v * v;
                max = Math.max(max, Math.abs(d));
            }
        }
        return new ModelQuantizerReport.ErrorStats(name, view.format(), 1, (long) rows * cols, sq, ref, max);
    }

    /** Writes the shards and returns their total size. */
    private long writeShards(Path dir, List<Module> modules, ProgressTracker tracker) throws IOException {
        List<List<SafetensorsStreamWriter.Entry>> shards = new ArrayList<>();
        List<SafetensorsStreamWriter.Entry> current = new ArrayList<>();
        long size = 0;
        long total = 0;
        for (Module m : modules) {
            for (SafetensorsStreamWriter.Entry e : tracked(m, tracker)) {
                if (!current.isEmpty() && size + e.bytes() > options.shardBytes()) {
                    shards.add(current);
                    current = new ArrayList<>();
                    size = 0;
                }
                current.add(e);
                size += e.bytes();
                total += e.bytes();
            }
        }
        shards.add(current);
        Map<String, String> md = Map.of("format", "pt");
        if (shards.size() == 1) {
            return SafetensorsStreamWriter.write(dir.resolve(SafetensorsCheckpoint.SINGLE), md, shards.get(0));
        }
        long written = 0;
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            for (SafetensorsStreamWriter.Entry e : shards.get(i)) {
                map.put(e.name(), name);
            }
            written += SafetensorsStreamWriter.write(dir.resolve(name), md, shards.get(i));
        }
        return written + writeJson(dir.resolve(SafetensorsCheckpoint.INDEX), index);
    }

    /** The module's entries, the first telling the tracker it starts and the last that it is done. */
    private static List<SafetensorsStreamWriter.Entry> tracked(Module m, ProgressTracker tracker) {
        List<SafetensorsStreamWriter.Entry> in = m.entries();
        List<SafetensorsStreamWriter.Entry> out = new ArrayList<>(in.size());
        long bytesOut = in.stream().mapToLong(SafetensorsStreamWriter.Entry::bytes).sum();
        HfExportSource.Tensor t = m.source();
        long bytesIn = t.data().data().byteSize();
        for (int i = 0; i < in.size(); i++) {
            SafetensorsStreamWriter.Entry e = in.get(i);
            boolean first = i == 0;
            boolean last = i == in.size() - 1;
            out.add(new SafetensorsStreamWriter.Entry(e.name(), e.dtype(), e.shape(), o -> {
                if (first) {
                    tracker.startTensor(t.role());
                }
                e.producer().writeTo(o);
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedIOException("interrupted");
                }
                if (last) {
                    tracker.advance(bytesIn, bytesOut);
                    Quantised q = m.quantised();
                    QuantFormat format = q != null ? q.tensor.format() : t.data().format();
                    ModelQuantizerReport.ErrorStats error = q != null ? q.error
                            : new ModelQuantizerReport.ErrorStats(t.role(), format, 0, 0, 0, 0, 0);
                    tracker.tensorDone(new ModelQuantizerReport.TensorStats(t.role(), t.data().shape(),
                            t.data().format(), format, q != null, m.fallback(), bytesIn, bytesOut, error));
                    if (q != null) {
                        // Done with this tensor: let its codes go before the next one is read.
                        q.tensor = null;
                    }
                }
            }));
        }
        return out;
    }

    private static void copy(HfExportSource.Tensor t, OutputStream o) throws IOException {
        MemorySegment data = t.data().data();
        if (t.permutation() == null) {
            write(data, o);
            return;
        }
        boolean vector = t.data().shape().length == 1;
        long units = vector ? t.columns() : t.rows();
        long unitBytes = vector ? t.data().format().rowBytes(1) : t.data().format().rowBytes(t.columns());
        byte[] buf = new byte[Math.toIntExact(unitBytes)];
        for (long u = 0; u < units; u++) {
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, t.permutation().sourceRow(u, units) * unitBytes, buf, 0,
                    buf.length);
            o.write(buf);
        }
    }

    private static void write(MemorySegment data, OutputStream o) throws IOException {
        byte[] buf = new byte[(int) Math.min(COPY_CHUNK, Math.max(1, data.byteSize()))];
        for (long at = 0; at < data.byteSize(); at += buf.length) {
            int n = (int) Math.min(buf.length, data.byteSize() - at);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, buf, 0, n);
            o.write(buf, 0, n);
        }
    }

    private static void writeF32(float v, OutputStream o) throws IOException {
        int bits = Float.floatToRawIntBits(v);
        o.write(new byte[] {(byte) bits, (byte) (bits >>> 8), (byte) (bits >>> 16), (byte) (bits >>> 24)});
    }

    private ObjectNode quantization(List<String> excluded) {
        ObjectNode q = JSON.createObjectNode();
        q.put("quant_algo", options.algorithm().name());
        q.putNull("kv_cache_quant_algo");
        if (options.algorithm() == ModelOptOptions.Algorithm.NVFP4) {
            q.put("group_size", CheckpointQuantizer.NVFP4_BLOCK);
        }
        ArrayNode ex = q.putArray("exclude_modules");
        excluded.forEach(ex::add);
        return q;
    }

    private ObjectNode hfQuantConfig(List<String> excluded) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("producer").put("name", PRODUCER).put("version", PRODUCER_VERSION);
        root.set("quantization", quantization(excluded));
        return root;
    }

    private ObjectNode config(HfExportSource src, List<String> excluded) {
        ObjectNode c = src.config();
        ObjectNode q = quantization(excluded);
        q.put("quant_method", "modelopt");
        q.putObject("producer").put("name", PRODUCER).put("version", PRODUCER_VERSION);
        c.remove("quantization_config");
        c.set("quantization_config", q);
        return c;
    }

    private static long writeJson(Path file, ObjectNode json) throws IOException {
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
        Files.write(file, bytes);
        return bytes.length;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // The original failure matters more than a leftover temporary directory.
        }
    }
}
