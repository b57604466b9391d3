package io.jinfer.loader.quant;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufTensorInfo;
import io.jinfer.loader.gguf.GgufWriter;
import io.jinfer.loader.hf.HfToGguf;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Converts an F32, F16 or BF16 GGUF model, or a Hugging Face safetensors directory converted on the
 * way as llama.cpp's {@code convert_hf_to_gguf.py} would (see {@link HfToGguf}: GGUF metadata and
 * names, llama Q/K rows permuted, 1-D tensors as F32), to another weight format, as
 * {@code llama-quantize --pure} does: every weight matrix gets the target format (see
 * {@link #TARGETS}), 1-D tensors (norms, biases) and the few matrices llama-quantize keeps are copied
 * unchanged. The bytes of each converted tensor are those llama-quantize writes (see
 * {@link Quantizer}); the metadata is copied with {@code general.file_type} and
 * {@code general.quantization_version} set, and tensors are written in llama.cpp's order, so that
 * for most targets the whole file is byte-identical with llama-quantize's.
 *
 * <p>A matrix whose rows do not split into whole blocks of the target gets a fallback format
 * instead (see the report's {@link ModelQuantizerReport#fallbacks()}): llama-quantize's own
 * fallback table, F16 where it has none.
 *
 * <p>The model is streamed: rows are read from the memory-mapped input, converted a batch at a
 * time on {@link ModelQuantizerOptions#threads()} threads and written in order, so the heap holds a
 * batch (a few MB), never a tensor. The output is written to a temporary file beside it and moved
 * into place at the end: a failure or an interrupt of the calling thread leaves neither the output
 * nor the temporary file, and an existing output file untouched.
 */
public final class ModelQuantizer {
    /** The formats a model can be quantised to. */
    public static final List<QuantFormat> TARGETS = List.of(QuantFormat.Q8_0, QuantFormat.Q4_0, QuantFormat.Q4_1,
            QuantFormat.Q5_0, QuantFormat.Q5_1, QuantFormat.Q2_K, QuantFormat.Q3_K, QuantFormat.Q4_K,
            QuantFormat.Q5_K, QuantFormat.Q6_K, QuantFormat.IQ4_NL, QuantFormat.IQ4_XS, QuantFormat.MXFP4,
            QuantFormat.NVFP4, QuantFormat.F16, QuantFormat.BF16, QuantFormat.F32);

    /** The value of {@code general.quantization_version} (ggml's {@code GGML_QNT_VERSION}). */
    public static final int QUANTIZATION_VERSION = 2;

    static final String FILE_TYPE_KEY = "general.file_type";
    static final String QUANTIZATION_VERSION_KEY = "general.quantization_version";
    private static final String SPLIT_COUNT_KEY = "split.count";
    private static final List<String> SPLIT_KEYS = List.of("split.no", SPLIT_COUNT_KEY, "split.tensors.count");

    private final ModelQuantizerOptions options;

    /**
     * Creates a quantizer; it keeps no state between runs, so one instance can convert many files.
     *
     * @param options the target format, threads and listener
     * @throws NullPointerException when {@code options} is {@code null}
     */
    public ModelQuantizer(ModelQuantizerOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Lists the accepted target formats by their command-line names, for usage and error messages.
     *
     * @return the names of {@link #TARGETS} as typed on a command line ({@code q4_k}, {@code f16}, …)
     */
    public static List<String> targetNames() {
        return TARGETS.stream().map(ModelQuantizer::targetName).toList();
    }

    /**
     * Returns the name a format is given on the command line.
     *
     * @param format a format
     * @return its name in lower case, as llama.cpp prints it
     */
    public static String targetName(QuantFormat format) {
        return format.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a command-line target name.
     *
     * @param name a target name, in any case ({@code q4_k}, {@code Q8_0})
     * @return the format
     * @throws IllegalArgumentException when it names none of {@link #TARGETS}
     */
    public static QuantFormat parseTarget(String name) {
        Objects.requireNonNull(name, "name");
        for (QuantFormat f : TARGETS) {
            if (targetName(f).equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown quantisation type '" + name + "'; expected one of "
                + String.join(", ", targetNames()));
    }

    /**
     * Quantises {@code input} into {@code output}.
     *
     * @param input a GGUF model whose weight matrices are F32, F16 or BF16, or a Hugging Face model
     *     directory of F32, F16 or BF16 safetensors with {@code config.json} and {@code tokenizer.json}
     *     (converted as llama.cpp's {@code convert_hf_to_gguf.py} does, see {@link HfToGguf})
     * @param output the file to create or replace; not the input
     * @return what was written, with the error of every converted tensor
     * @throws ModelQuantizerException when a weight matrix has another format, the output is the
     *     input or its directory is missing, the input is one part of a split model, or the calling
     *     thread was interrupted
     * @throws ModelFormatException when the input is not a valid GGUF file
     * @throws UncheckedIOException when a file cannot be read or written
     */
    public ModelQuantizerReport quantize(Path input, Path output) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        checkOutput(input, output);
        long start = System.nanoTime();
        try (QuantizerInput in = QuantizerInput.open(input)) {
            List<Planned> plans = plan(in);
            GgufWriter writer = new GgufWriter();
            copyMetadata(in.metadata(), writer);
            ProgressTracker tracker = new ProgressTracker(options.listener(),
                    plans.stream().map(Planned::plan).toList());
            long size;
            try (RowWorkers workers = RowWorkers.create(options.threads())) {
                for (Planned p : plans) {
                    writer.addTensor(p.plan().name(), p.plan().format(), p.plan().info().shape(),
                            new TensorConverter(p.plan(), p.tensor().data(), p.tensor().permutation(), workers, tracker));
                }
                size = writer.write(output);
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof InterruptedIOException || e.getCause() instanceof ClosedByInterruptException
                        || Thread.currentThread().isInterrupted()) {
                    throw new ModelQuantizerException("quantising " + input + " was interrupted; " + output
                            + " was not written", e);
                }
                throw e;
            }
            return new ModelQuantizerReport(input, output, options.target(), LlamaFileType.of(options.target()),
                    tracker.tensors(), in.bytes(), size, (System.nanoTime() - start) / 1e9);
        }
    }

    /** A tensor of the input with what to do with it. */
    private record Planned(TensorPlan plan, QuantizerInput.Tensor tensor) {}

    private static void checkOutput(Path input, Path output) {
        Path in = input.toAbsolutePath().normalize();
        Path out = output.toAbsolutePath().normalize();
        boolean same = in.equals(out);
        if (!same && Files.exists(in) && Files.exists(out)) {
            try {
                same = Files.isSameFile(in, out);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot compare " + input + " with " + output + ": " + e.getMessage(), e);
            }
        }
        if (same) {
            throw new ModelQuantizerException("the output " + output + " is the input file; write the quantised "
                    + "model to another file");
        }
        if (Files.isDirectory(out)) {
            throw new ModelQuantizerException("the output " + output + " is a directory; give a file name");
        }
        Path dir = out.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new ModelQuantizerException("the output directory " + dir + " does not exist");
        }
    }

    /** Decides every tensor's format, in llama.cpp's order, and checks that the inputs can be read. */
    private List<Planned> plan(QuantizerInput in) {
        Map<String, GgufMetadata.Entry> meta = in.metadata();
        if (meta.containsKey(SPLIT_COUNT_KEY) && meta.get(SPLIT_COUNT_KEY).value() instanceof Long n && n > 1) {
            throw new ModelQuantizerException(in.path() + " is one part of a model split into " + n
                    + " files; merge them first (llama-gguf-split --merge)");
        }
        List<QuantizerInput.Tensor> tensors = new ArrayList<>(in.tensors());
        tensors.sort((a, b) -> LlamaTensorOrder.COMPARATOR.compare(a.info(), b.info()));
        List<Planned> plans = new ArrayList<>(tensors.size());
        Map<String, QuantFormat> mixed = options.mix() == null ? Map.of()
                : options.mix().plan(tensors.stream().map(QuantizerInput.Tensor::info).toList());
        for (QuantizerInput.Tensor t : tensors) {
            GgufTensorInfo info = t.info();
            // Converted checkpoints keep 1-D tensors (norms, biases) in F32, as llama.cpp's converter writes them.
            TensorPlan p = QuantizerInput.widens(t) ? new TensorPlan(info, QuantFormat.F32, true, false)
                    : TensorPlan.of(info, mixed.getOrDefault(info.name(), options.target()));
            if (p.convert() && !TensorPlan.SOURCE_FORMATS.contains(info.format())) {
                throw new ModelQuantizerException(in.path() + ": tensor " + info.name() + " is " + info.format()
                        + "; quantize reads weight matrices in F32, F16 or BF16 only (converting already "
                        + "quantised weights again would add their errors)");
            }
            plans.add(new Planned(p, t));
        }
        return plans;
    }

    /**
     * Copies every key except those llama-quantize replaces, then sets them at the end as it does:
     * the quantisation version, then the file type.
     */
    private void copyMetadata(Map<String, GgufMetadata.Entry> meta, GgufWriter writer) {
        for (Map.Entry<String, GgufMetadata.Entry> e : meta.entrySet()) {
            String key = e.getKey();
            if (!key.equals(FILE_TYPE_KEY) && !key.equals(QUANTIZATION_VERSION_KEY) && !SPLIT_KEYS.contains(key)) {
                writer.put(key, e.getValue());
            }
        }
        writer.putUint32(QUANTIZATION_VERSION_KEY, QUANTIZATION_VERSION);
        writer.putUint32(FILE_TYPE_KEY, LlamaFileType.of(options.target()));
    }
}
