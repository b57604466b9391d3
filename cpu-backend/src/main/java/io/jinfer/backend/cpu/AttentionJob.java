package io.jinfer.backend.cpu;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.spi.KvLayer;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention as a pool job over (query row, head) pairs; item
 * {@code t * heads + h}. Each item computes its scores into a per-thread buffer, applies a softmax
 * that subtracts the row maximum first (so no exponential overflows), and accumulates the weighted
 * values straight into the output. The cache is read page by page, positions in order.
 */
final class AttentionJob implements WorkerPool.Task {
    private final DenseMath math;
    private final Lanes ln;
    private final Scratch scores;

    float[] q;
    float[] out;
    int startPos;
    int heads;
    int group;
    int headDim;
    float scale;
    KvLayer layer;
    boolean half;
    int pageSize;
    int rowElements;

    AttentionJob(DenseMath math, Scratch scores) {
        this.math = math;
        this.ln = math.lanes();
        this.scores = scores;
    }

    void set(float[] q, int startPos, KvLayer layer, int heads, int kvHeads, int headDim, float scale,
            float[] out) {
        this.q = q;
        this.out = out;
        this.startPos = startPos;
        this.heads = heads;
        this.group = heads / kvHeads;
        this.headDim = headDim;
        this.scale = scale;
        this.layer = layer;
        this.pageSize = layer.pageSize();
        this.half = layer.format() == QuantFormat.F16;
        this.rowElements = layer.rowElements();
    }

    @Override
    public void run(int thread, int start, int end) {
        for (int item = start; item < end; item++) {
            int t = item / heads;
            int h = item - t * heads;
            head(thread, t, h);
        }
    }

    private void head(int thread, int t, int h) {
        int last = startPos + t;
        int hd = headDim;
        int qOff = (t * heads + h) * hd;
        long kvOff = (long) (h / group) * hd;
        float[] s = scores.floats(thread, last + 1);
        float max = Float.NEGATIVE_INFINITY;
        // positions in order, a page at a time
        for (int page = 0, p = 0; p <= last; page++) {
            MemorySegment keys = layer.keyPage(page);
            int end = Math.min(last + 1, p + pageSize);
            for (long row = 0; p < end; p++, row += rowElements) {
                float v = cachedDot(keys, row + kvOff, qOff) * scale;
                s[p] = v;
                max = Math.max(max, v);
            }
        }
        float sum = 0;
        for (int p = 0; p <= last; p++) {
            float e = StableExp.exp(s[p] - max);
            s[p] = e;
            sum += e;
        }
        java.util.Arrays.fill(out, qOff, qOff + hd, 0f);
        for (int page = 0, p = 0; p <= last; page++) {
            MemorySegment values = layer.valuePage(page);
            int end = Math.min(last + 1, p + pageSize);
            for (long row = 0; p < end; p++, row += rowElements) {
                accumulate(values, row + kvOff, s[p], qOff);
            }
        }
        divide(qOff, sum);
    }

    /** @return q[qOff ..] · cache row starting at element {@code index} */
    private float cachedDot(MemorySegment seg, long index, int qOff) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        int hd = headDim;
        FloatVector acc = FloatVector.zero(f);
        int i = 0;
        if (half) {
            if (math.hasHalfVectors()) {
                for (; i + step <= hd; i += step) {
                    acc = math.halves(seg, 2 * (index + i)).fma(FloatVector.fromArray(f, q, qOff + i), acc);
                }
            }
        } else {
            for (; i + step <= hd; i += step) {
                acc = FloatVector.fromMemorySegment(f, seg, 4 * (index + i), ByteOrder.LITTLE_ENDIAN)
                        .fma(FloatVector.fromArray(f, q, qOff + i), acc);
            }
        }
        float sum = Lanes.sum(acc);
        for (; i < hd; i++) {
            sum += q[qOff + i] * element(seg, index + i);
        }
        return sum;
    }

    /** out[qOff ..] += weight * cache row starting at element {@code index} */
    private void accumulate(MemorySegment seg, long index, float weight, int qOff) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        int hd = headDim;
        FloatVector wv = FloatVector.broadcast(f, weight);
        int i = 0;
        if (half) {
            if (math.hasHalfVectors()) {
                for (; i + step <= hd; i += step) {
                    math.halves(seg, 2 * (index + i)).fma(wv, FloatVector.fromArray(f, out, qOff + i))
                            .intoArray(out, qOff + i);
                }
            }
        } else {
            for (; i + step <= hd; i += step) {
                FloatVector.fromMemorySegment(f, seg, 4 * (index + i), ByteOrder.LITTLE_ENDIAN)
                        .fma(wv, FloatVector.fromArray(f, out, qOff + i)).intoArray(out, qOff + i);
            }
        }
        for (; i < hd; i++) {
            out[qOff + i] += weight * element(seg, index + i);
        }
    }

    private void divide(int qOff, float sum) {
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        int i = 0;
        for (; i + step <= headDim; i += step) {
            FloatVector.fromArray(f, out, qOff + i).div(sum).intoArray(out, qOff + i);
        }
        for (; i < headDim; i++) {
            out[qOff + i] /= sum;
        }
    }

    private float element(MemorySegment seg, long index) {
        return half
                ? Float.float16ToFloat(seg.getAtIndex(LittleEndian.SHORT, index))
                : seg.getAtIndex(LittleEndian.FLOAT, index);
    }
}
