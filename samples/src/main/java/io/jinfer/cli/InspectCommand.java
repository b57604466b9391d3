package io.jinfer.cli;

import io.jinfer.api.QuantFormat;
import io.jinfer.loader.gguf.GgufFile;
import io.jinfer.loader.gguf.GgufMetadata;
import io.jinfer.loader.gguf.GgufTensorInfo;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code jinfer inspect}: prints a GGUF file's version, metadata and tensor table. */
public final class InspectCommand implements Command {
    /** Creates the command; it keeps no state between runs. */
    public InspectCommand() {}


    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String synopsis() {
        return "FILE";
    }

    @Override
    public String summary() {
        return "Print a GGUF file's version, metadata (long arrays summarised) and tensor table with totals.";
    }

    @Override
    public List<Option> options() {
        return List.of();
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        args.expectPositionals(1, "one GGUF file");
        Path path = Path.of(args.positionals().getFirst());
        ModelSource.file(path);
        try (GgufFile file = GgufFile.open(path)) {
            print(file, out);
        }
        return 0;
    }

    /**
     * Writes the report.
     *
     * @param file an open GGUF file
     * @param out where to write
     */
    static void print(GgufFile file, PrintStream out) {
        out.println("file: " + file.path());
        out.println("size: " + file.fileSize() + " bytes (" + Sizes.human(file.fileSize()) + ")");
        out.println("GGUF version: " + file.version());
        out.println("alignment: " + file.alignment());
        if (!file.tensorInfos().isEmpty()) {
            // A vocabulary-only file has no data section; its computed start can lie past the end.
            out.println("data offset: " + file.dataOffset());
        }

        GgufMetadata meta = file.metadata();
        out.println();
        out.println("metadata: " + meta.keys().size() + " keys");
        for (Map.Entry<String, GgufMetadata.Entry> e : meta.entries().entrySet()) {
            out.println("  " + e.getKey() + " (" + MetadataFormatter.typeName(e.getValue()) + ") = "
                    + MetadataFormatter.value(e.getValue()));
        }

        List<GgufTensorInfo> tensors = file.tensorInfos();
        out.println();
        out.println("tensors: " + tensors.size());
        if (!tensors.isEmpty()) {
            printTable(tensors, out);
        }
        long elements = 0;
        long bytes = 0;
        Map<QuantFormat, long[]> byType = new EnumMap<>(QuantFormat.class);
        for (GgufTensorInfo t : tensors) {
            elements += t.elementCount();
            bytes += t.byteSize();
            long[] acc = byType.computeIfAbsent(t.format(), f -> new long[3]);
            acc[0]++;
            acc[1] += t.elementCount();
            acc[2] += t.byteSize();
        }
        out.println();
        out.println("total: " + tensors.size() + " tensors, " + elements + " elements, " + bytes + " bytes ("
                + Sizes.human(bytes) + ")");
        for (Map.Entry<QuantFormat, long[]> e : byType.entrySet()) {
            long[] a = e.getValue();
            out.printf(java.util.Locale.ROOT, "  %-6s %5d tensors, %12d elements, %12d bytes (%s)%n", e.getKey(), a[0], a[1], a[2],
                    Sizes.human(a[2]));
        }
    }

    private static void printTable(List<GgufTensorInfo> tensors, PrintStream out) {
        int nameWidth = "name".length();
        int shapeWidth = "shape".length();
        for (GgufTensorInfo t : tensors) {
            nameWidth = Math.max(nameWidth, t.name().length());
            shapeWidth = Math.max(shapeWidth, shape(t).length());
        }
        String row = "  %-" + nameWidth + "s  %-6s  %-" + shapeWidth + "s  %12s%n";
        out.printf(row, "name", "type", "shape", "bytes");
        for (GgufTensorInfo t : tensors) {
            out.printf(row, t.name(), t.format(), shape(t), t.byteSize());
        }
    }

    private static String shape(GgufTensorInfo t) {
        return Arrays.stream(t.shape()).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
