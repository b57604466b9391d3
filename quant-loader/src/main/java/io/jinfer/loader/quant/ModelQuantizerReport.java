package io.jinfer.loader.quant;

import io.jinfer.api.QuantFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link ModelQuantizer} run wrote, and how far the converted weights are from the originals.
 *
 * @param input the model read
 * @param output the model written
 * @param target the format asked for
 * @param fileType the {@code general.file_type} written
 * @param tensors every tensor, in the order written
 * @param bytesIn size of the input file
 * @param bytesOut size of the output file
 * @param seconds wall time of the run
 */
public record ModelQuantizerReport(Path input, Path output, QuantFormat target, int fileType,
        List<TensorStats> tensors, long bytesIn, long bytesOut, double seconds) {

    /** Copies the list. */
    public ModelQuantizerReport {
        tensors = List.copyOf(tensors);
    }

    /**
     * The error of converted values against the originals: each value is converted, expanded back
     * with {@link io.jinfer.api.format.ReferenceDequantizer} and compared with the value read.
     *
     * @param label a tensor name, a tensor kind ({@code attn_q.weight} for every layer's) or {@code all}
     * @param format the format written, or {@code null} when the values were written in several
     * @param tensors converted tensors counted
     * @param values values compared
     * @param sumSquaredError sum of (converted - original)²
     * @param sumSquaredValues sum of original², for the relative error
     * @param maxAbsError largest |converted - original|
     */
    public record ErrorStats(String label, QuantFormat format, int tensors, long values, double sumSquaredError,
            double sumSquaredValues, double maxAbsError) {

        /**
         * Returns the root mean square of the conversion error, in the units of the weights.
         *
         * @return the root mean square error, 0 when nothing was compared
         */
        public double rmse() {
            return values == 0 ? 0 : Math.sqrt(sumSquaredError / values);
        }

        /**
         * Returns the error relative to the size of the weights, comparable across tensors of different scale.
         *
         * @return the RMSE divided by the root mean square of the original values (0 for all-zero weights)
         */
        public double relativeRmse() {
            return sumSquaredValues == 0 ? 0 : Math.sqrt(sumSquaredError / sumSquaredValues);
        }

        /**
         * Merges two statistics, e.g. to sum a tensor kind over every layer; the format is kept only when
         * both agree.
         *
         * @param label the label of the sum
         * @param other more values
         * @return these and the other's values together
         */
        public ErrorStats plus(String label, ErrorStats other) {
            return new ErrorStats(label, Objects.equals(format, other.format) ? format : null,
                    tensors + other.tensors, values + other.values, sumSquaredError + other.sumSquaredError,
                    sumSquaredValues + other.sumSquaredValues, Math.max(maxAbsError, other.maxAbsError));
        }
    }

    /**
     * One tensor as written.
     *
     * @param name its name
     * @param shape its dimensions, fastest-varying first
     * @param sourceFormat its format in the input
     * @param format its format in the output
     * @param converted whether its values were converted ({@code false}: bytes copied unchanged)
     * @param fallback whether {@code format} replaces the target because the rows do not split into
     *     whole blocks of it
     * @param bytesIn bytes of it in the input
     * @param bytesOut bytes of it in the output
     * @param error the conversion error; no values for a copied tensor
     */
    public record TensorStats(String name, long[] shape, QuantFormat sourceFormat, QuantFormat format,
            boolean converted, boolean fallback, long bytesIn, long bytesOut, ErrorStats error) {

        /** Copies the shape. */
        public TensorStats {
            shape = shape.clone();
        }

        /**
         * Returns a copy of the dimensions, so callers cannot change the report.
         *
         * @return the dimensions, fastest-varying first
         */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        /**
         * Returns the tensor's kind, used to group every layer's copy of a tensor in reports.
         *
         * @return the name without its layer prefix {@code blk.N.}, so that every layer's copy shares it
         */
        public String kind() {
            int layer = LlamaTensorOrder.layer(name);
            if (layer < 0) {
                return name;
            }
            String prefix = "blk." + layer + ".";
            return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorStats t && t.name.equals(name) && Arrays.equals(t.shape, shape)
                    && t.sourceFormat == sourceFormat && t.format == format && t.converted == converted
                    && t.fallback == fallback && t.bytesIn == bytesIn && t.bytesOut == bytesOut
                    && t.error.equals(error);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }

        @Override
        public String toString() {
            return name + " " + sourceFormat + "->" + format + Arrays.toString(shape) + (fallback ? " (fallback)" : "");
        }
    }

    /**
     * Sums the error over the whole model.
     *
     * @return the error over every converted tensor, labelled {@code all}
     */
    public ErrorStats total() {
        ErrorStats sum = new ErrorStats("all", target, 0, 0, 0, 0, 0);
        for (TensorStats t : tensors) {
            if (t.converted()) {
                sum = sum.plus("all", t.error());
            }
        }
        return sum;
    }

    /**
     * Groups the error by tensor kind and written format, for a per-kind summary table.
     *
     * @return the error per tensor kind and format written ({@code attn_q.weight} of every layer
     *     together), in the order the kinds first appear; copied tensors are left out
     */
    public List<ErrorStats> byKind() {
        Map<String, ErrorStats> groups = new LinkedHashMap<>();
        for (TensorStats t : tensors) {
            if (!t.converted()) {
                continue;
            }
            String key = t.kind() + "\0" + t.format();
            ErrorStats e = t.error();
            groups.merge(key, new ErrorStats(t.kind(), t.format(), e.tensors(), e.values(), e.sumSquaredError(),
                    e.sumSquaredValues(), e.maxAbsError()), (a, b) -> a.plus(a.label(), b));
        }
        return List.copyOf(groups.values());
    }

    /**
     * Lists the tensors whose rows did not split into whole blocks of the target format, so another
     * format was written instead.
     *
     * @return the tensors written in a fallback format instead of the target
     */
    public List<TensorStats> fallbacks() {
        List<TensorStats> list = new ArrayList<>();
        for (TensorStats t : tensors) {
            if (t.fallback()) {
                list.add(t);
            }
        }
        return List.copyOf(list);
    }
}
