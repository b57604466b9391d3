package io.jinfer.backend.cpu;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.ScaledDequantizer;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.spi.AttentionShape;
import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.KvLayer;
import io.jinfer.api.spi.RopeSpec;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels written with the Java Vector API and run on a {@link WorkerPool}. Matrix products and
 * attention are split over threads; the cheap element-wise operations run on the calling thread.
 * Results match {@link ReferenceKernels} up to float rounding (sums are taken in a different order).
 *
 * <p>Any float species works: the quantised block kernels need 8 or 16 float lanes (AVX2, AVX-512)
 * and other widths fall back to expanding blocks with the reference dequantiser.
 *
 * <p>Where {@link NativeKernels} are loaded, products of Q4_0, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL,
 * IQ4_XS, MXFP4, NVFP4, F16, BF16 and scaled FP8 E4M3 weights in native memory (any number of
 * tokens) run in C instead, and so do RMSNorm, SwiGLU and attention. For Q4_0 and Q8_0 the
 * activations are quantised to 8 bits per block of 32 ({@link Q8Activations}) and multiplied with
 * integer instructions, so those results differ from the reference by the activation rounding (about
 * 1e-2 of {@code Σ|w·x|} at most, see the tests); for Q3_K, Q4_K, Q5_K and Q6_K to 16 bits per super-block
 * of 256 ({@link Q16Activations}, a rounding 256 times finer); the other formats keep float activations.
 *
 * <p>Every path computes each (row, token) result with the same operations whatever the number of
 * tokens and threads: column {@code j} of an {@code n}-token product is bit-identical with the
 * one-token product of that column (continuous batching relies on it).
 */
public final class VectorKernels implements Kernels {
    /** Weight rows per pool chunk: a few kilobytes of weights, enough to amortise the hand-off. */
    private static final int MATMUL_CHUNK = 16;
    /**
     * Rows per native call: a multiple of the kernel's 4-row groups, and long runs of consecutive rows
     * per thread (one sequential stream for the prefetchers) while a 512-row K/V projection still
     * splits over threads. 1B Q4_0 decode, 2 threads, alternating builds: 32 rows 16.9, 128 rows 19.5
     * tok/s (+11 to +22 % in each pair); 512 no better than 128.
     */
    private static final int NATIVE_CHUNK = 128;

    private final Lanes ln;
    private final DenseMath math;
    private final WorkerPool pool;
    private final RowCodec[] codecs;
    private final MatmulJob matmul;
    private final AttentionJob attention;
    private final Scratch scratch;
    private final NativeKernels nativeKernels;
    private final Arena nativeArena;
    private final Q8Activations q8x;
    private final Q16Activations q16x;
    private final NativeMatmulJob nativeMatmul = new NativeMatmulJob();
    private final NativeScaledMatmulJob nativeScaled = new NativeScaledMatmulJob();
    private final NativeAttentionJob nativeAttention;
    /** Page address tables of the layer being attended, for the native kernel (grown as needed). */
    private MemorySegment keyPageTable = MemorySegment.NULL;
    private MemorySegment valuePageTable = MemorySegment.NULL;
    /** Attention calls the native kernel ran (tests check which path ran). */
    private long nativeAttentionRuns;
    /** The bound FP8 weight's scale factors, decoded for the native kernel (grown as needed). */
    private float[] factors = new float[0];
    private MemorySegment nativeFactors = MemorySegment.NULL;
    private MemorySegment nativeOut = MemorySegment.NULL;
    private float[] ropeCos = new float[0];
    private float[] ropeSin = new float[0];
    private RopeSpec ropeKey;
    private double[] ropeFreqs;

    /**
     * Kernels on the widest vectors this CPU has.
     *
     * @param threads threads, at least 1 (the caller plus {@code threads - 1} workers)
     */
    public VectorKernels(int threads) {
        this(threads, FloatVector.SPECIES_PREFERRED);
    }

    /**
     * Kernels on vectors of a chosen width, e.g. 256 bits to run what AVX2 machines run on an
     * AVX-512 machine.
     *
     * @param threads threads, at least 1 (the caller plus {@code threads - 1} workers)
     * @param vectorBits vector width in bits (64, 128, 256, 512, …), or 0 for the CPU's preferred width
     */
    public VectorKernels(int threads, int vectorBits) {
        this(threads, vectorBits == 0 ? FloatVector.SPECIES_PREFERRED : speciesOf(vectorBits));
    }

    private static VectorSpecies<Float> speciesOf(int bits) {
        try {
            return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("no " + bits + "-bit float vectors", e);
        }
    }

    /**
     * @param threads threads, at least 1 (the caller plus {@code threads - 1} workers)
     * @param species float species to compute with
     */
    VectorKernels(int threads, VectorSpecies<Float> species) {
        this(threads, species, NativeKernels.fromSystemProperties());
    }

    /**
     * @param threads threads, at least 1 (the caller plus {@code threads - 1} workers)
     * @param species float species to compute with
     * @param nativeKernels native decode kernels to use where they apply (or unavailable ones)
     */
    VectorKernels(int threads, VectorSpecies<Float> species, NativeKernels nativeKernels) {
        this.nativeKernels = nativeKernels;
        this.nativeArena = nativeKernels.available() ? Arena.ofShared() : null;
        this.q8x = nativeKernels.available() ? new Q8Activations(nativeArena, nativeKernels.quantize()) : null;
        this.q16x = nativeKernels.available() ? new Q16Activations(nativeArena, nativeKernels.quantize16()) : null;
        this.ln = Lanes.of(species);
        this.math = new DenseMath(ln);
        this.pool = new WorkerPool(threads);
        this.scratch = new Scratch(threads);
        QuantFormat[] formats = QuantFormat.values();
        this.codecs = new RowCodec[formats.length];
        for (QuantFormat f : formats) {
            codecs[f.ordinal()] = RowCodec.of(f, math);
        }
        this.matmul = new MatmulJob(math, scratch);
        Scratch scores = new Scratch(threads);
        this.attention = new AttentionJob(math, scores);
        this.nativeAttention = new NativeAttentionJob(scores);
    }

    @Override
    public String description() {
        return "vector (" + ln.floats().vectorBitSize() + "-bit), " + pool.threads()
                + (pool.threads() == 1 ? " thread" : " threads")
                + (nativeKernels.available()
                        ? ", native " + nativeKernels.variant() + " " + nativeKernels.formats() + " + scaled F8_E4M3"
                        : ", no native kernels: " + nativeKernels.reason());
    }

    /** @return the native row function for a one-token product with this weight, or null */
    private MethodHandle nativeKernel(TensorView weight) {
        if (!nativeKernels.available() || !weight.data().isNative() || weight.columns() % 32 != 0) {
            return null;
        }
        return nativeKernels.kernel(weight.format());
    }

    /** @return whether the native scaled FP8 kernel takes this weight */
    private boolean nativeScaledFits(TensorView weight) {
        return weight.format() == QuantFormat.F8_E4M3 && nativeKernels.e4m3() != null && weight.data().isNative()
                && weight.scales() != null
                && NativeKernels.e4m3Fits(weight.columns(), weight.scales().columnBlock());
    }

    private void nativeScaledMatmul(ScaledCodec codec, TensorView weight, float[] x, float[] out, int n) {
        int rows = weight.rows();
        int cols = weight.columns();
        WeightScales scales = weight.scales();
        long grid = scales.gridRows(rows) * scales.gridColumns(cols);
        if (grid > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(weight + ": scale grid of " + grid + " cells is too large");
        }
        int cells = (int) grid;
        if (factors.length < cells) {
            factors = new float[cells];
            nativeFactors = nativeArena.allocate(4L * cells, 64);
        }
        // the factors as the codec computes them (scale * globalScale), so values round as the reference's
        codec.factors(0, cells, factors);
        MemorySegment.copy(factors, 0, nativeFactors, ValueLayout.JAVA_FLOAT, 0, cells);
        MemorySegment staged = q8x.stage(x, n * cols);
        NativeScaledMatmulJob job = nativeScaled;
        job.kernel = nativeKernels.e4m3();
        job.weights = weight.data();
        job.rowBytes = weight.rowBytes();
        job.columns = cols;
        job.n = n;
        job.activations = staged;
        job.factors = nativeFactors;
        job.rowBlock = scales.rowBlock();
        job.columnBlock = Math.min(scales.columnBlock(), cols);
        job.gridColumns = (int) scales.gridColumns(cols);
        job.out = nativeOut(rows, n);
        job.outStride = rows;
        try {
            runNative(job, rows, n, out);
        } finally {
            job.weights = null;
        }
    }

    /** @return the native output buffer, grown to hold {@code rows * n} floats */
    private MemorySegment nativeOut(int rows, int n) {
        if (nativeOut.byteSize() < 4L * rows * n) {
            nativeOut = nativeArena.allocate(4L * rows * n, 64);
        }
        return nativeOut;
    }

    /** Runs a native product over the rows and copies its {@code rows * n} results out of the buffer. */
    private void runNative(WorkerPool.Task job, int rows, int n, float[] out) {
        pool.run(job, rows, NATIVE_CHUNK);
        MemorySegment.copy(nativeOut, ValueLayout.JAVA_FLOAT, 0, out, 0, rows * n);
    }

    private void nativeMatmul(MethodHandle kernel, TensorView weight, float[] x, float[] out, int n) {
        int rows = weight.rows();
        int cols = weight.columns();
        // only Q4_0/Q8_0 take 8-bit activations: for the others they moved the logits of the golden
        // files beyond their tolerance once prefill used them too (see cpu_kquant.h)
        NativeMatmulJob job = nativeMatmul;
        switch (NativeKernels.activations(weight.format())) {
            case EIGHT_BIT -> {
                q8x.quantize(x, cols, n);
                job.quants = q8x.quants();
                job.scales = q8x.scales();
            }
            case SIXTEEN_BIT -> {
                q16x.quantize(q8x.stage(x, n * cols), cols, n);
                job.quants = q16x.quants();
                job.scales = q16x.scales();
            }
            case FLOAT -> {
                job.quants = q8x.stage(x, n * cols);
                job.scales = MemorySegment.NULL;
            }
        }
        job.kernel = kernel;
        job.weights = weight.data();
        job.rowBytes = weight.rowBytes();
        job.blocks = cols / 32;
        job.n = n;
        job.outStride = rows;
        job.out = nativeOut(rows, n);
        try {
            runNative(job, rows, n, out);
        } finally {
            job.weights = null;
        }
    }

    @Override
    public void matmul(TensorView weight, float[] x, float[] out, int n) {
        int rows = weight.rows();
        int cols = weight.columns();
        if (n < 1) {
            throw new IllegalArgumentException("matmul needs n >= 1, got " + n);
        }
        if ((long) n * cols > x.length) {
            throw new IllegalArgumentException("matmul with " + weight + ": x holds " + x.length + " values, needs "
                    + (long) n * cols);
        }
        if ((long) n * rows > out.length) {
            throw new IllegalArgumentException("matmul with " + weight + ": out holds " + out.length
                    + " values, needs " + (long) n * rows);
        }
        RowCodec codec = codecs[weight.format().ordinal()];
        codec.bind(weight);
        try {
            multiply(codec, weight, x, out, n, rows, cols);
        } finally {
            codec.unbind();
        }
    }

    private void multiply(RowCodec codec, TensorView weight, float[] x, float[] out, int n, int rows, int cols) {
        MethodHandle kernel = nativeKernel(weight);
        if (kernel != null) {
            nativeMatmul(kernel, weight, x, out, n);
            return;
        }
        if (nativeScaledFits(weight)) {
            nativeScaledMatmul((ScaledCodec) codec, weight, x, out, n);
            return;
        }
        MatmulJob job = matmul;
        job.codec = codec;
        job.blockSize = weight.format().blockSize();
        job.bytesPerBlock = weight.format().bytesPerBlock();
        job.data = weight.data();
        job.rowBytes = weight.rowBytes();
        job.rows = rows;
        job.cols = cols;
        job.n = n;
        job.x = x;
        job.out = out;
        try {
            pool.run(job, rows, MATMUL_CHUNK);
        } finally {
            job.data = null;
            job.x = null;
            job.out = null;
        }
    }

    @Override
    public void dequantizeRow(TensorView table, int row, float[] out, int outOffset) {
        if (row < 0 || row >= table.rows()) {
            throw new IndexOutOfBoundsException("row " + row + " of " + table);
        }
        int cols = table.columns();
        if (outOffset < 0 || (long) outOffset + cols > out.length) {
            throw new IndexOutOfBoundsException("row of " + cols + " values does not fit at " + outOffset
                    + " in an array of " + out.length);
        }
        // one row per token: the plain reference dequantiser (the same values as the codecs) is as fast
        // here once compiled, and 30x faster than interpreted vector code for the first token's rows
        ScaledDequantizer.checkScales(table);
        ReferenceKernels.expandRow(table, row, out, outOffset);
    }

    private static MemorySegment f32(TensorView v, String what) {
        if (v.format() != QuantFormat.F32) {
            throw new IllegalArgumentException(what + " must be F32, got " + v);
        }
        return v.data();
    }

    @Override
    public void rmsNorm(float[] x, float[] out, int n, int dim, TensorView weight, float eps) {
        MemorySegment w = f32(weight, "rmsNorm weight");
        if (weight.elementCount() != dim) {
            throw new IllegalArgumentException("rmsNorm weight " + weight + " does not have " + dim + " values");
        }
        if ((long) n * dim > x.length || (long) n * dim > out.length) {
            throw new IllegalArgumentException("rmsNorm of " + n + " rows of " + dim + ": x holds " + x.length
                    + ", out " + out.length);
        }
        if (nativeKernels.available()) {
            // fast from the first call, where the vector code below runs interpreted until compiled
            nativeKernels.rmsNorm(x, out, n, dim, w, eps);
            return;
        }
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        for (int t = 0; t < n; t++) {
            int off = t * dim;
            FloatVector acc = FloatVector.zero(f);
            int i = 0;
            for (; i + step <= dim; i += step) {
                FloatVector v = FloatVector.fromArray(f, x, off + i);
                acc = v.fma(v, acc);
            }
            double sumSq = Lanes.sum(acc);
            for (; i < dim; i++) {
                sumSq += (double) x[off + i] * x[off + i];
            }
            float scale = (float) (1.0 / Math.sqrt(sumSq / dim + eps));
            i = 0;
            for (; i + step <= dim; i += step) {
                FloatVector.fromArray(f, x, off + i).mul(scale)
                        .mul(FloatVector.fromMemorySegment(f, w, 4L * i, ByteOrder.LITTLE_ENDIAN))
                        .intoArray(out, off + i);
            }
            for (; i < dim; i++) {
                out[off + i] = x[off + i] * scale * w.getAtIndex(LittleEndian.FLOAT, i);
            }
        }
    }

    @Override
    public void addVector(float[] x, int n, TensorView vector) {
        MemorySegment v = f32(vector, "addVector vector");
        int dim = Math.toIntExact(vector.elementCount());
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        for (int t = 0; t < n; t++) {
            int off = t * dim;
            int i = 0;
            for (; i + step <= dim; i += step) {
                FloatVector.fromArray(f, x, off + i)
                        .add(FloatVector.fromMemorySegment(f, v, 4L * i, ByteOrder.LITTLE_ENDIAN))
                        .intoArray(x, off + i);
            }
            for (; i < dim; i++) {
                x[off + i] += v.getAtIndex(LittleEndian.FLOAT, i);
            }
        }
    }

    @Override
    public void add(float[] dst, float[] src, int length) {
        if (length > dst.length || length > src.length) {
            throw new IllegalArgumentException("add of " + length + " values: dst holds " + dst.length + ", src "
                    + src.length);
        }
        if (nativeKernels.available()) {
            // the same sums; the vector code below runs interpreted for the first token's adds
            nativeKernels.add(dst, src, length);
            return;
        }
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        int i = 0;
        for (; i + step <= length; i += step) {
            FloatVector.fromArray(f, dst, i).add(FloatVector.fromArray(f, src, i)).intoArray(dst, i);
        }
        for (; i < length; i++) {
            dst[i] += src[i];
        }
    }

    /** Frequencies of a rope spec, computed as the reference does and kept while the spec repeats. */
    private double[] ropeFrequencies(RopeSpec rope) {
        // identity, not equals(): a model loaded after another was closed may be mapped at the same
        // address, and its factors would then compare equal to the stale ones
        if (rope == ropeKey) {
            return ropeFreqs;
        }
        int pairs = rope.dims() / 2;
        double[] freqs = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            freqs[i] = StrictMath.pow(rope.base(), -2.0 * i / rope.dims());
            if (rope.freqFactors() != null) {
                freqs[i] /= f32(rope.freqFactors(), "rope frequency factors").getAtIndex(LittleEndian.FLOAT, i);
            }
        }
        ropeKey = rope;
        ropeFreqs = freqs;
        return freqs;
    }

    @Override
    public void rope(float[] x, int n, int heads, int headDim, int startPos, RopeSpec rope) {
        if (rope.dims() > headDim) {
            throw new IllegalArgumentException("rope rotates " + rope.dims() + " dimensions of heads of " + headDim);
        }
        double[] freqs = ropeFrequencies(rope);
        int pairs = freqs.length;
        if (ropeCos.length < pairs) {
            ropeCos = new float[pairs];
            ropeSin = new float[pairs];
        }
        float[] cos = ropeCos;
        float[] sin = ropeSin;
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        for (int t = 0; t < n; t++) {
            int pos = startPos + t;
            for (int i = 0; i < pairs; i++) {
                double theta = pos * freqs[i];
                cos[i] = (float) StrictMath.cos(theta);
                sin[i] = (float) StrictMath.sin(theta);
            }
            for (int h = 0; h < heads; h++) {
                int base = (t * heads + h) * headDim;
                if (rope.neox()) {
                    int i = 0;
                    for (; i + step <= pairs; i += step) {
                        FloatVector a = FloatVector.fromArray(f, x, base + i);
                        FloatVector b = FloatVector.fromArray(f, x, base + i + pairs);
                        FloatVector c = FloatVector.fromArray(f, cos, i);
                        FloatVector s = FloatVector.fromArray(f, sin, i);
                        a.mul(c).sub(b.mul(s)).intoArray(x, base + i);
                        a.mul(s).add(b.mul(c)).intoArray(x, base + i + pairs);
                    }
                    for (; i < pairs; i++) {
                        rotate(x, base + i, base + i + pairs, cos[i], sin[i]);
                    }
                } else {
                    // adjacent pairs would need lane shuffles; this loop is a tiny part of a step
                    for (int i = 0; i < pairs; i++) {
                        rotate(x, base + 2 * i, base + 2 * i + 1, cos[i], sin[i]);
                    }
                }
            }
        }
    }

    private static void rotate(float[] x, int a, int b, float cos, float sin) {
        float x0 = x[a];
        float x1 = x[b];
        x[a] = x0 * cos - x1 * sin;
        x[b] = x0 * sin + x1 * cos;
    }

    @Override
    public void storeKv(float[] src, int n, KvLayer layer, boolean keys, int startPos) {
        if (startPos < 0 || startPos + n > layer.capacity()) {
            throw new IndexOutOfBoundsException("positions " + startPos + ".." + (startPos + n - 1)
                    + " outside a cache of " + layer.capacity());
        }
        int row = layer.rowElements();
        int pageSize = layer.pageSize();
        // one copy per run of positions inside a page
        for (int t = 0; t < n; ) {
            int p = startPos + t;
            int page = p / pageSize;
            int inPage = p - page * pageSize;
            int run = Math.min(n - t, pageSize - inPage);
            MemorySegment seg = keys ? layer.keyPage(page) : layer.valuePage(page);
            long first = (long) inPage * row;
            int count = run * row;
            int from = t * row;
            if (layer.format() == QuantFormat.F32) {
                MemorySegment.copy(src, from, seg, LittleEndian.FLOAT, 4 * first, count);
            } else {
                for (int i = 0; i < count; i++) {
                    seg.setAtIndex(LittleEndian.SHORT, first + i, Float.floatToFloat16(src[from + i]));
                }
            }
            t += run;
        }
    }

    @Override
    public void attention(float[] q, int n, int startPos, KvLayer layer, AttentionShape shape, float[] out) {
        if (shape.kvHeads() * shape.headDim() != layer.rowElements()) {
            throw new IllegalArgumentException("attention shape " + shape + " does not match cache rows of "
                    + layer.rowElements() + " values");
        }
        if (startPos < 0 || startPos + n > layer.capacity()) {
            throw new IndexOutOfBoundsException("positions " + startPos + ".." + (startPos + n - 1)
                    + " outside a cache of " + layer.capacity());
        }
        int items = n * shape.heads();
        if (q.length < (long) items * shape.headDim() || out.length < (long) items * shape.headDim()) {
            throw new IllegalArgumentException("attention of " + n + " rows x " + shape.heads() + " heads x "
                    + shape.headDim() + ": q holds " + q.length + ", out " + out.length);
        }
        if (nativeAttention(q, n, startPos, layer, shape, out)) {
            return;
        }
        AttentionJob job = attention;
        job.set(q, startPos, layer, shape.heads(), shape.kvHeads(), shape.headDim(), shape.scale(), out);
        try {
            pool.run(job, items, Math.max(1, items / (pool.threads() * 4)));
        } finally {
            job.q = null;
            job.out = null;
            job.layer = null;
        }
    }

    /**
     * Runs attention in C when the kernels are loaded and every page the queries read is in native
     * memory (heap pages, as some tests build, stay on the Java path).
     *
     * @return whether it ran
     */
    private boolean nativeAttention(float[] q, int n, int startPos, KvLayer layer, AttentionShape shape,
            float[] out) {
        MethodHandle kernel = nativeKernels.attention();
        if (kernel == null) {
            return false;
        }
        int positions = startPos + n;
        int pages = (positions + layer.pageSize() - 1) / layer.pageSize();
        if (keyPageTable.byteSize() < 8L * pages) {
            long size = 8L * Math.max(pages, 64);
            keyPageTable = nativeArena.allocate(size, 8);
            valuePageTable = nativeArena.allocate(size, 8);
        }
        for (int p = 0; p < pages; p++) {
            MemorySegment keys = layer.keyPage(p);
            MemorySegment values = layer.valuePage(p);
            if (!keys.isNative() || !values.isNative()) {
                return false;
            }
            keyPageTable.setAtIndex(ValueLayout.ADDRESS, p, keys);
            valuePageTable.setAtIndex(ValueLayout.ADDRESS, p, values);
        }
        NativeAttentionJob job = nativeAttention;
        job.kernel = kernel;
        job.keyPages = keyPageTable;
        job.valuePages = valuePageTable;
        job.pageSize = layer.pageSize();
        job.rowElements = layer.rowElements();
        job.half = layer.format() == QuantFormat.F16;
        job.q = q;
        job.out = out;
        job.startPos = startPos;
        job.positions = positions;
        job.heads = shape.heads();
        job.group = shape.heads() / shape.kvHeads();
        job.headDim = shape.headDim();
        job.scale = shape.scale();
        job.n = n;
        int items = (n + NativeKernels.ATTENTION_ROWS - 1) / NativeKernels.ATTENTION_ROWS * shape.kvHeads();
        try {
            pool.run(job, items, Math.max(1, items / (pool.threads() * 4)));
        } finally {
            job.q = null;
            job.out = null;
        }
        nativeAttentionRuns++;
        return true;
    }

    /** @return how many attention calls the native kernel ran */
    long nativeAttentionRuns() {
        return nativeAttentionRuns;
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length) {
        if (length > gate.length || length > up.length) {
            throw new IllegalArgumentException("swiglu of " + length + " values: gate holds " + gate.length
                    + ", up " + up.length);
        }
        if (nativeKernels.available()) {
            // same bits as below, without waiting for the JIT: the first token's SwiGLUs ran interpreted
            nativeKernels.swiglu(gate, up, length);
            return;
        }
        VectorSpecies<Float> f = ln.floats();
        int step = f.length();
        int i = 0;
        for (; i + step <= length; i += step) {
            FloatVector g = FloatVector.fromArray(f, gate, i);
            FloatVector silu = g.div(StableExp.exp(g.neg()).add(1f));
            silu.mul(FloatVector.fromArray(f, up, i)).intoArray(gate, i);
        }
        for (; i < length; i++) {
            float g = gate[i];
            gate[i] = g / (StableExp.exp(-g) + 1f) * up[i];
        }
    }

    @Override
    public void close() {
        pool.close();
        if (nativeArena != null && nativeArena.scope().isAlive()) {
            nativeArena.close();
        }
    }
}
