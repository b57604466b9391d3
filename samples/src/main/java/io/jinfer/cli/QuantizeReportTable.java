package io.jinfer.cli;

import io.jinfer.loader.quant.ModelQuantizer;
import io.jinfer.loader.quant.ModelQuantizerReport;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The summary and error table {@code jinfer quantize} prints when it is done. */
final class QuantizeReportTable {
    private QuantizeReportTable() {}

    /**
     * Prints the sizes, the time, and one row per tensor kind with the RMSE, the RMSE relative to
     * the weights' RMS, and the largest absolute error, then the same over every converted tensor.
     *
     * @param out where to print
     * @param r the finished run
     */
    static void print(PrintStream out, ModelQuantizerReport r) {
        long converted = r.tensors().stream().filter(ModelQuantizerReport.TensorStats::converted).count();
        // A negative file type marks a ModelOpt safetensors checkpoint, which has none.
        String as = r.fileType() < 0 ? "ModelOpt " + ModelQuantizer.targetName(r.target()) + " safetensors"
                : ModelQuantizer.targetName(r.target()) + " (general.file_type " + r.fileType() + ")";
        out.printf(Locale.ROOT, "%s (%s) -> %s (%s) as %s in %.2f s, %.1f MB/s%n",
                r.input(), Sizes.human(r.bytesIn()), r.output(), Sizes.human(r.bytesOut()), as, r.seconds(),
                r.seconds() > 0 ? r.bytesIn() / 1e6 / r.seconds() : 0.0);
        out.printf(Locale.ROOT, "%d of %d tensors converted, %d copied unchanged%n%n", converted,
                r.tensors().size(), r.tensors().size() - converted);
        List<ModelQuantizerReport.ErrorStats> rows = new ArrayList<>(r.byKind());
        if (rows.isEmpty()) {
            out.println("no tensor converted: nothing to compare");
            return;
        }
        rows.add(r.total());
        int width = "tensor".length();
        for (ModelQuantizerReport.ErrorStats e : rows) {
            width = Math.max(width, e.label().length());
        }
        String row = "%-" + width + "s  %-6s  %7s  %12s  %11s  %9s  %11s%n";
        out.printf(Locale.ROOT, row, "tensor", "format", "tensors", "values", "RMSE", "rel.RMSE", "max |err|");
        for (ModelQuantizerReport.ErrorStats e : rows) {
            out.printf(Locale.ROOT, row, e.label(), e.format() == null ? "mixed" : ModelQuantizer.targetName(e.format()),
                    e.tensors(), e.values(), String.format(Locale.ROOT, "%.4e", e.rmse()),
                    String.format(Locale.ROOT, "%.5f", e.relativeRmse()),
                    String.format(Locale.ROOT, "%.4e", e.maxAbsError()));
        }
    }
}
