package io.jinfer.backend.cpu;

import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.format.ReferenceDequantizer;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.spi.AttentionShape;
import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.KvLayer;
import io.jinfer.api.spi.RopeSpec;
import io.jinfer.api.spi.TensorView;

/**
 * Plain scalar kernels, single-threaded, written to read like the math. They are the specification
 * the fast kernels are tested against, and they are slow on purpose.
 */
public final class ReferenceKernels implements Kernels {

    /** Creates the reference kernels; they keep no state and start no threads. */
    public ReferenceKernels() {
        // nothing to set up
    }


    @Override
    public String description() {
        return "reference (scalar), 1 thread";
    }

    @Override
    public void matmul(TensorView weight, float[] x, float[] out, int n) {
        int rows = weight.rows();
        int cols = weight.columns();
        ScaledDequantizer.checkScales(weight);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            expandRow(weight, r, row, 0);
            for (int t = 0; t < n; t++) {
                float sum = 0;
                for (int c = 0; c < cols; c++) {
                    sum += row[c] * x[t * cols + c];
                }
                out[t * rows + r] = sum;
            }
        }
    }

    @Override
    public void dequantizeRow(TensorView table, int row, float[] out, int outOffset) {
        if (row < 0 || row >= table.rows()) {
            throw new IndexOutOfBoundsException("row " + row + " of " + table);
        }
        ScaledDequantizer.checkScales(table);
        expandRow(table, row, out, outOffset);
    }

    /** Expands one row: through its scale grid for checkpoint formats, by its blocks for GGUF ones. */
    static void expandRow(TensorView t, int row, float[] out, int outOffset) {
        if (t.scales() != null) {
            ScaledDequantizer.dequantizeRow(t, row, out, outOffset);
        } else {
            ReferenceDequantizer.dequantize(t.format(), t.data(), row * t.rowBytes(), t.columns(), out, outOffset);
        }
    }

    static float f32(TensorView v, int i) {
        return v.data().getAtIndex(LittleEndian.FLOAT, i);
    }

    @Override
    public void rmsNorm(float[] x, float[] out, int n, int dim, TensorView weight, float eps) {
        for (int t = 0; t < n; t++) {
            int off = t * dim;
            double sumSq = 0;
            for (int i = 0; i < dim; i++) {
                sumSq += (double) x[off + i] * x[off + i];
            }
            float scale = (float) (1.0 / Math.sqrt(sumSq / dim + eps));
            for (int i = 0; i < dim; i++) {
                out[off + i] = x[off + i] * scale * f32(weight, i);
            }
        }
    }

    @Override
    public void addVector(float[] x, int n, TensorView vector) {
        int dim = Math.toIntExact(vector.elementCount());
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < dim; i++) {
                x[t * dim + i] += f32(vector, i);
            }
        }
    }

    @Override
    public void add(float[] dst, float[] src, int length) {
        for (int i = 0; i < length; i++) {
            dst[i] += src[i];
        }
    }

    @Override
    public void rope(float[] x, int n, int heads, int headDim, int startPos, RopeSpec rope) {
        int pairs = rope.dims() / 2;
        for (int t = 0; t < n; t++) {
            int pos = startPos + t;
            for (int h = 0; h < heads; h++) {
                int base = (t * heads + h) * headDim;
                for (int i = 0; i < pairs; i++) {
                    double freq = StrictMath.pow(rope.base(), -2.0 * i / rope.dims());
                    if (rope.freqFactors() != null) {
                        freq /= f32(rope.freqFactors(), i);
                    }
                    double theta = pos * freq;
                    float cos = (float) StrictMath.cos(theta);
                    float sin = (float) StrictMath.sin(theta);
                    int a = rope.neox() ? base + i : base + 2 * i;
                    int b = rope.neox() ? base + i + pairs : base + 2 * i + 1;
                    float x0 = x[a];
                    float x1 = x[b];
                    x[a] = x0 * cos - x1 * sin;
                    x[b] = x0 * sin + x1 * cos;
                }
            }
        }
    }

    @Override
    public void storeKv(float[] src, int n, KvLayer layer, boolean keys, int startPos) {
        layer.writeRows(src, n, keys, startPos);
    }

    /** @return element {@code i} of position {@code p}'s cached keys or values */
    static float cached(KvLayer layer, boolean keys, int p, long i) {
        return layer.value(keys, p, i);
    }

    @Override
    public void attention(float[] q, int n, int startPos, KvLayer layer, AttentionShape shape, float[] out) {
        int hd = shape.headDim();
        int group = shape.heads() / shape.kvHeads();
        int rowQ = shape.heads() * hd;
        float[] scores = new float[startPos + n];
        for (int t = 0; t < n; t++) {
            int last = startPos + t;
            for (int h = 0; h < shape.heads(); h++) {
                int kvh = h / group;
                int qOff = t * rowQ + h * hd;
                float max = Float.NEGATIVE_INFINITY;
                for (int p = 0; p <= last; p++) {
                    long kOff = (long) kvh * hd;
                    float dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += q[qOff + i] * cached(layer, true, p, kOff + i);
                    }
                    scores[p] = dot * shape.scale();
                    max = Math.max(max, scores[p]);
                }
                float sum = 0;
                for (int p = 0; p <= last; p++) {
                    scores[p] = (float) StrictMath.exp(scores[p] - max);
                    sum += scores[p];
                }
                for (int i = 0; i < hd; i++) {
                    float acc = 0;
                    for (int p = 0; p <= last; p++) {
                        long vOff = (long) kvh * hd;
                        acc += scores[p] * cached(layer, false, p, vOff + i);
                    }
                    out[qOff + i] = acc / sum;
                }
            }
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length) {
        for (int i = 0; i < length; i++) {
            float g = gate[i];
            gate[i] = (float) (g / (1.0 + StrictMath.exp(-g))) * up[i];
        }
    }

    @Override
    public void close() {
        // no threads to stop
    }
}
