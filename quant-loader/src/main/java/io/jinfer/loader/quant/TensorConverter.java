package io.jinfer.loader.quant;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.spi.TensorView;
import io.jinfer.loader.gguf.GgufWriter;
import io.jinfer.loader.hf.RopePermutation;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Streams one tensor of a {@link ModelQuantizer} run into the output file: a batch of rows at a
 * time (a few MB), each batch converted in parallel into one buffer and then written in order, so
 * that only a batch is ever on the heap. Each converted row is expanded back and compared with the
 * original; the error sums are added row by row in row order, so they do not depend on the thread
 * count either.
 */
final class TensorConverter implements GgufWriter.TensorData {
    /** Input or output bytes per batch, whichever is larger. */
    private static final long BATCH_BYTES = 8 << 20;
    /** Bytes per write of a copied tensor. */
    private static final int COPY_CHUNK = 4 << 20;

    private final TensorPlan plan;
    private final TensorView source;
    private final RopePermutation permutation;
    private final RowWorkers workers;
    private final ProgressTracker tracker;

    /**
     * @param plan what to write
     * @param source the tensor in the input file
     * @param workers threads for the rows
     * @param tracker counts progress and collects the result
     */
    TensorConverter(TensorPlan plan, TensorView source, RowWorkers workers, ProgressTracker tracker) {
        this(plan, source, null, workers, tracker);
    }

    /**
     * @param plan what to write
     * @param source the tensor in the input
     * @param permutation the order rows are written in (elements, for a 1-D tensor), or null to keep it
     * @param workers threads for the rows
     * @param tracker counts progress and collects the result
     */
    TensorConverter(TensorPlan plan, TensorView source, RopePermutation permutation, RowWorkers workers,
            ProgressTracker tracker) {
        this.plan = plan;
        this.source = source;
        this.permutation = permutation;
        this.workers = workers;
        this.tracker = tracker;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        tracker.startTensor(plan.name());
        ModelQuantizerReport.ErrorStats error = plan.convert()
                ? convert(out)
                : copy(out);
        tracker.tensorDone(new ModelQuantizerReport.TensorStats(plan.name(), plan.info().shape(),
                source.format(), plan.format(), plan.convert(), plan.fallback(), plan.info().byteSize(),
                plan.outputBytes(), error));
    }

    private ModelQuantizerReport.ErrorStats copy(OutputStream out) throws IOException {
        MemorySegment data = source.data();
        if (permutation != null) {
            return copyPermuted(out);
        }
        byte[] buf = new byte[(int) Math.min(COPY_CHUNK, data.byteSize())];
        for (long at = 0; at < data.byteSize(); at += buf.length) {
            int n = (int) Math.min(buf.length, data.byteSize() - at);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at, buf, 0, n);
            out.write(buf, 0, n);
            checkInterrupted();
            tracker.advance(n, n);
        }
        return new ModelQuantizerReport.ErrorStats(plan.name(), plan.format(), 0, 0, 0, 0, 0);
    }

    /** Copies rows (or the elements of a vector) in the permutation's order. */
    private ModelQuantizerReport.ErrorStats copyPermuted(OutputStream out) throws IOException {
        MemorySegment data = source.data();
        boolean vector = plan.rows() == 1;
        long units = vector ? plan.rowLength() : plan.rows();
        long unitBytes = vector ? source.format().rowBytes(1) : source.format().rowBytes(plan.rowLength());
        byte[] buf = new byte[Math.toIntExact(unitBytes)];
        for (long u = 0; u < units; u++) {
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, permutation.sourceRow(u, units) * unitBytes, buf, 0,
                    buf.length);
            out.write(buf);
            tracker.advance(buf.length, buf.length);
        }
        checkInterrupted();
        return new ModelQuantizerReport.ErrorStats(plan.name(), plan.format(), 0, 0, 0, 0, 0);
    }

    private ModelQuantizerReport.ErrorStats convert(OutputStream out) throws IOException {
        int cols = plan.rowLength();
        long rows = plan.rows();
        QuantFormat from = source.format();
        QuantFormat to = plan.format();
        long inRow = from.rowBytes(cols);
        long outRow = to.rowBytes(cols);
        int batch = (int) Math.max(1, Math.min(rows, BATCH_BYTES / Math.max(inRow, outRow)));
        Batch b = new Batch(batch, Math.toIntExact(batch * outRow));
        double sumSq = 0;
        double sumRef = 0;
        double max = 0;
        for (long start = 0; start < rows; start += batch) {
            int count = (int) Math.min(batch, rows - start);
            long first = start;
            workers.run(count, (lo, hi) -> convertRows(first, lo, hi, cols, inRow, outRow, b));
            out.write(b.bytes, 0, Math.toIntExact(count * outRow));
            for (int r = 0; r < count; r++) {
                sumSq += b.sqError[r];
                sumRef += b.sqValue[r];
                max = Math.max(max, b.maxError[r]);
            }
            checkInterrupted();
            tracker.advance(count * inRow, count * outRow);
        }
        return new ModelQuantizerReport.ErrorStats(plan.name(), to, 1, rows * cols, sumSq, sumRef, max);
    }

    /** One batch's output bytes and per-row error sums. */
    private static final class Batch {
        final byte[] bytes;
        final MemorySegment segment;
        final double[] sqError;
        final double[] sqValue;
        final double[] maxError;

        Batch(int rows, int byteSize) {
            bytes = new byte[byteSize];
            segment = MemorySegment.ofArray(bytes);
            sqError = new double[rows];
            sqValue = new double[rows];
            maxError = new double[rows];
        }
    }

    /** Converts rows {@code [lo, hi)} of the batch that starts at row {@code first} of the tensor. */
    private void convertRows(long first, int lo, int hi, int cols, long inRow, long outRow, Batch b) {
        QuantFormat to = plan.format();
        float[] row = new float[cols];
        float[] back = new float[cols];
        for (int r = lo; r < hi; r++) {
            readRow(first + r, inRow, cols, row);
            long at = r * outRow;
            Quantizer.quantizeRow(to, row, 0, cols, b.segment, at);
            ReferenceDequantizer.dequantize(to, b.segment, at, cols, back, 0);
            double sq = 0;
            double ref = 0;
            double max = 0;
            for (int i = 0; i < cols; i++) {
                double d = (double) back[i] - row[i];
                sq += d * d;
                ref += (double) row[i] * row[i];
                max = Math.max(max, Math.abs(d));
            }
            b.sqError[r] = sq;
            b.sqValue[r] = ref;
            b.maxError[r] = max;
        }
    }

    /**
     * Reads one row as floats; F16 and BF16 widen exactly, as ggml's converters do. With a
     * permutation, row {@code r} of the output is read from its source row, and the elements of a
     * vector are reordered.
     */
    private void readRow(long r, long inRow, int cols, float[] row) {
        if (permutation != null && plan.rows() == 1) {
            float[] plain = new float[cols];
            readRowAt(0, cols, plain);
            for (int i = 0; i < cols; i++) {
                row[i] = plain[(int) permutation.sourceRow(i, cols)];
            }
            return;
        }
        long at = (permutation == null ? r : permutation.sourceRow(r, plan.rows())) * inRow;
        readRowAt(at, cols, row);
    }

    private void readRowAt(long at, int cols, float[] row) {
        MemorySegment data = source.data();
        switch (source.format()) {
            case F32 -> MemorySegment.copy(data, LittleEndian.FLOAT, at, row, 0, cols);
            case F16 -> {
                for (int i = 0; i < cols; i++) {
                    row[i] = Float.float16ToFloat(data.get(LittleEndian.SHORT, at + 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < cols; i++) {
                    row[i] = Float.intBitsToFloat(data.get(LittleEndian.SHORT, at + 2L * i) << 16);
                }
            }
            default -> throw new IllegalStateException(plan.name() + ": cannot read " + source.format());
        }
    }

    private static void checkInterrupted() throws InterruptedIOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("interrupted");
        }
    }
}
