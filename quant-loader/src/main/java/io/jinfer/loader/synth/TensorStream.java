package io.jinfer.loader.synth;

import io.jinfer.loader.gguf.GgufWriter;
import io.jinfer.loader.quant.Quantizer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Streams one synthetic tensor into a GGUF file: rows are generated and encoded a batch at a time,
 * the batch split across threads, then written in order. Only one batch (a few MB) is ever on the
 * heap, whatever the tensor's size.
 */
final class TensorStream implements GgufWriter.TensorData {
    /** Bytes per batch: enough rows to keep every thread busy, little enough heap to not matter. */
    private static final int BATCH_BYTES = 4 << 20;
    /** Below this many rows a batch is not worth splitting. */
    private static final int MIN_ROWS_PER_TASK = 8;

    private final SyntheticTensor tensor;
    private final long seed;
    private final ExecutorService pool;
    private final int threads;

    TensorStream(SyntheticTensor tensor, long seed, ExecutorService pool, int threads) {
        this.tensor = tensor;
        this.seed = seed;
        this.pool = pool;
        this.threads = threads;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        int rows = tensor.rows();
        long rowBytes = tensor.format().rowBytes(tensor.rowLength());
        int batch = (int) Math.max(1, Math.min(rows, BATCH_BYTES / rowBytes));
        byte[] buf = new byte[Math.toIntExact(batch * rowBytes)];
        MemorySegment seg = MemorySegment.ofArray(buf);
        for (int start = 0; start < rows; start += batch) {
            int count = Math.min(batch, rows - start);
            produce(start, count, seg, rowBytes);
            out.write(buf, 0, (int) (count * rowBytes));
        }
    }

    /** Fills rows [start, start + count) of the tensor into {@code seg} from offset 0. */
    private void produce(int start, int count, MemorySegment seg, long rowBytes) throws IOException {
        int tasks = Math.max(1, Math.min(threads, count / MIN_ROWS_PER_TASK));
        if (tasks == 1) {
            encode(start, count, start, seg, rowBytes);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            int from = start + (int) ((long) count * t / tasks);
            int to = start + (int) ((long) count * (t + 1) / tasks);
            futures.add(pool.submit(() -> encode(from, to - from, start, seg, rowBytes)));
        }
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while generating " + tensor.name(), e);
        } catch (ExecutionException e) {
            throw new IOException("generating " + tensor.name() + " failed: " + e.getCause(), e.getCause());
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }

    /** Generates and encodes rows [from, from + count) at their place in a batch that begins at batchStart. */
    private void encode(int from, int count, int batchStart, MemorySegment seg, long rowBytes) {
        int n = tensor.rowLength();
        float[] row = new float[n];
        for (int r = from; r < from + count; r++) {
            tensor.fillRow(seed, r, row, 0);
            Quantizer.quantizeRow(tensor.format(), row, 0, n, seg, (r - batchStart) * rowBytes);
        }
    }

    /** @return a description for errors */
    @Override
    public String toString() {
        return "stream of " + tensor;
    }
}
