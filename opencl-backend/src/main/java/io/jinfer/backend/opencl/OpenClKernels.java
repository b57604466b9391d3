package io.jinfer.backend.opencl;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.AttentionShape;
import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.KvLayer;
import io.jinfer.api.spi.RopeSpec;
import io.jinfer.api.spi.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The transformer operations on one OpenCL device, with kernels generated per weight format, head
 * layout and rope variant ({@link KernelSource}).
 *
 * <p>Weights stay on the device for the life of the context (copied once, or read in place from the
 * mapped file: {@link WeightResidency}); KV caches are wrapped in place. Activations arrive as Java
 * arrays through the {@link Kernels} interface, so each call copies its inputs to the device and its
 * outputs back: correct and simple, but it pays a round trip per operation that a device-resident
 * activation path would not.
 */
public final class OpenClKernels implements Kernels {
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;

    private final DeviceContext ctx;
    private final OpenCl cl;
    private final WeightResidency residency;
    private final MemorySegment queue;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment arg = arena.allocate(16, 8);
    private final MemorySegment global = arena.allocate(SIZE_T, 3);
    private final MemorySegment[] scratch = new MemorySegment[5];
    private final long[] scratchBytes = new long[5];
    /** Kernels made from each program, by program then kernel name (each instance has its own: arguments are state). */
    private final Map<MemorySegment, Map<String, MemorySegment>> kernels = new HashMap<>();
    private final Map<MemorySegment, WeightKernels> byWeight = new IdentityHashMap<>();
    private final Map<RopeSpec, ShapedKernel> byRope = new IdentityHashMap<>();
    private final Map<AttentionShape, ShapedKernel> byAttention = new IdentityHashMap<>();
    private final MemorySegment rmsNorm;
    private final MemorySegment addVector;
    private final MemorySegment add;
    private final MemorySegment swiglu;
    private final MemorySegment storeF32;
    private final MemorySegment storeF16;
    private float[] gatheredKeys;
    private float[] gatheredValues;
    private boolean closed;

    /** The buffer and kernels of one weight tensor. */
    private record WeightKernels(MemorySegment buffer, MemorySegment matmul, MemorySegment dequantRow) {}

    /** A kernel specialised for a shape, remembered with the shape value it was made for. */
    private record ShapedKernel(long shape, MemorySegment kernel) {}

    /**
     * Creates a kernel set with its own command queue on a device.
     *
     * @param device the device
     * @param residency how weights reach the device
     * @throws OpenClException when the context, queue or the shape-independent program cannot be made
     */
    public OpenClKernels(OpenClDevice device, WeightResidency residency) {
        this.ctx = DeviceContext.of(device);
        this.cl = ctx.cl();
        this.residency = residency;
        this.queue = ctx.newQueue();
        MemorySegment p = ctx.program(KernelSource.elementwise());
        rmsNorm = kernel(p, "rms_norm");
        addVector = kernel(p, "add_vector");
        add = kernel(p, "add");
        swiglu = kernel(p, "swiglu");
        storeF32 = kernel(p, "store_kv_f32");
        storeF16 = kernel(p, "store_kv_f16");
    }

    /**
     * Returns where this kernel set's weights live.
     *
     * @return the residency of its weights
     */
    public WeightResidency residency() {
        return residency;
    }

    /**
     * Returns the device this kernel set runs on.
     *
     * @return the device
     */
    public OpenClDevice device() {
        return ctx.device();
    }

    /**
     * Counts the programs compiled on this kernel set's device so far (all kernel sets of the device share them).
     *
     * @return programs built on the device
     */
    public int programBuilds() {
        return ctx.programBuilds();
    }

    /**
     * Counts the weight bytes copied to the device so far (zero when every weight is read in place).
     *
     * @return bytes copied on the device
     */
    public long copiedWeightBytes() {
        return ctx.copiedWeightBytes();
    }

    @Override
    public String description() {
        return ctx.device().name() + " (" + ctx.device().platform() + "), weights "
                + (residency == WeightResidency.COPIED ? "copied to the device" : "read in place");
    }

    private MemorySegment kernel(MemorySegment program, String name) {
        return kernels.computeIfAbsent(program, p -> new HashMap<>())
                .computeIfAbsent(name, n -> cl.createKernel(program, n));
    }

    private WeightKernels weight(TensorView w) {
        WeightKernels k = byWeight.get(w.data());
        if (k != null && !w.data().scope().isAlive()) {
            // the device buffer went with the memory (DeviceContext releases it); never hand it to a kernel
            throw new IllegalStateException(w + ": its memory was freed (the model is closed)");
        }
        if (k == null) {
            if (w.columns() % w.format().blockSize() != 0) {
                throw new IllegalArgumentException(w + ": rows are not whole " + w.format() + " blocks");
            }
            MemorySegment p = ctx.program(KernelSource.weights(w.format()));
            k = new WeightKernels(ctx.weight(w.data(), residency), kernel(p, "matmul"), kernel(p, "dequant_row"));
            byWeight.put(w.data(), k);
        }
        return k;
    }

    private MemorySegment vector(TensorView v) {
        if (v.format() != QuantFormat.F32) {
            throw new IllegalArgumentException(v + ": expected an F32 vector");
        }
        return ctx.weight(v.data(), residency);
    }

    /** A device buffer of at least {@code bytes}, grown (never shrunk) as calls need. */
    private MemorySegment scratch(int i, long bytes) {
        if (scratchBytes[i] < bytes) {
            if (scratch[i] != null) {
                cl.releaseMemObject(scratch[i]);
            }
            long size = Math.max(bytes, 2 * scratchBytes[i]);
            scratch[i] = ctx.scratch(size);
            scratchBytes[i] = size;
        }
        return scratch[i];
    }

    /** Copies {@code count} values to the device; the bounds check matters: the driver reads the array directly. */
    private void upload(MemorySegment buffer, float[] src, int count) {
        Objects.checkFromIndexSize(0, count, src.length);
        cl.write(queue, buffer, 0, 4L * count, MemorySegment.ofArray(src));
    }

    /** Copies {@code count} values back into {@code dst} from {@code offset}, checked like {@link #upload}. */
    private void download(MemorySegment buffer, float[] dst, int offset, int count) {
        Objects.checkFromIndexSize(offset, count, dst.length);
        cl.read(queue, buffer, 0, 4L * count, MemorySegment.ofArray(dst).asSlice(4L * offset, 4L * count));
    }

    private void argMem(MemorySegment k, int i, MemorySegment mem) {
        arg.set(ValueLayout.ADDRESS, 0, mem);
        cl.setKernelArg(k, i, ValueLayout.ADDRESS.byteSize(), arg);
    }

    private void argInt(MemorySegment k, int i, int v) {
        arg.set(ValueLayout.JAVA_INT, 0, v);
        cl.setKernelArg(k, i, 4, arg);
    }

    private void argLong(MemorySegment k, int i, long v) {
        arg.set(ValueLayout.JAVA_LONG, 0, v);
        cl.setKernelArg(k, i, 8, arg);
    }

    private void argFloat(MemorySegment k, int i, float v) {
        arg.set(ValueLayout.JAVA_FLOAT, 0, v);
        cl.setKernelArg(k, i, 4, arg);
    }

    private void run(MemorySegment k, long g0, long g1, long g2) {
        global.setAtIndex(SIZE_T, 0, g0);
        global.setAtIndex(SIZE_T, 1, g1);
        global.setAtIndex(SIZE_T, 2, g2);
        int dims = g2 > 1 ? 3 : g1 > 1 ? 2 : 1;
        cl.enqueueKernel(queue, k, dims, global, MemorySegment.NULL);
    }

    @Override
    public void matmul(TensorView weight, float[] x, float[] out, int n) {
        if (n <= 0) {
            return;
        }
        WeightKernels k = weight(weight);
        int rows = weight.rows();
        int cols = weight.columns();
        MemorySegment in = scratch(0, 4L * n * cols);
        MemorySegment res = scratch(1, 4L * n * rows);
        upload(in, x, n * cols);
        argMem(k.matmul(), 0, k.buffer());
        argMem(k.matmul(), 1, in);
        argMem(k.matmul(), 2, res);
        argInt(k.matmul(), 3, rows);
        argInt(k.matmul(), 4, cols);
        run(k.matmul(), rows, n, 1);
        download(res, out, 0, n * rows);
    }

    @Override
    public void dequantizeRow(TensorView table, int row, float[] out, int outOffset) {
        if (row < 0 || row >= table.rows()) {
            throw new IndexOutOfBoundsException("row " + row + " of " + table);
        }
        WeightKernels k = weight(table);
        int cols = table.columns();
        MemorySegment res = scratch(1, 4L * cols);
        argMem(k.dequantRow(), 0, k.buffer());
        argInt(k.dequantRow(), 1, row);
        argInt(k.dequantRow(), 2, cols);
        argMem(k.dequantRow(), 3, res);
        run(k.dequantRow(), cols, 1, 1);
        download(res, out, outOffset, cols);
    }

    @Override
    public void rmsNorm(float[] x, float[] out, int n, int dim, TensorView weight, float eps) {
        if (weight.elementCount() != dim) {
            throw new IllegalArgumentException(weight + " has " + weight.elementCount() + " values, rows have " + dim);
        }
        MemorySegment w = vector(weight);
        MemorySegment in = scratch(0, 4L * n * dim);
        MemorySegment res = scratch(1, 4L * n * dim);
        upload(in, x, n * dim);
        argMem(rmsNorm, 0, in);
        argMem(rmsNorm, 1, res);
        argInt(rmsNorm, 2, dim);
        argMem(rmsNorm, 3, w);
        argFloat(rmsNorm, 4, eps);
        run(rmsNorm, n, 1, 1);
        download(res, out, 0, n * dim);
    }

    @Override
    public void addVector(float[] x, int n, TensorView vector) {
        int dim = Math.toIntExact(vector.elementCount());
        MemorySegment v = vector(vector);
        MemorySegment buf = scratch(0, 4L * n * dim);
        upload(buf, x, n * dim);
        argMem(addVector, 0, buf);
        argMem(addVector, 1, v);
        argInt(addVector, 2, dim);
        run(addVector, (long) n * dim, 1, 1);
        download(buf, x, 0, n * dim);
    }

    @Override
    public void add(float[] dst, float[] src, int length) {
        binary(add, dst, src, length);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length) {
        binary(swiglu, gate, up, length);
    }

    private void binary(MemorySegment k, float[] a, float[] b, int length) {
        if (length <= 0) {
            return;
        }
        MemorySegment ba = scratch(0, 4L * length);
        MemorySegment bb = scratch(1, 4L * length);
        upload(ba, a, length);
        upload(bb, b, length);
        argMem(k, 0, ba);
        argMem(k, 1, bb);
        run(k, length, 1, 1);
        download(ba, a, 0, length);
    }

    @Override
    public void rope(float[] x, int n, int heads, int headDim, int startPos, RopeSpec rope) {
        if (rope.dims() > headDim) {
            throw new IllegalArgumentException("rope rotates " + rope.dims() + " dimensions of heads of " + headDim);
        }
        ShapedKernel sk = byRope.get(rope);
        if (sk == null || sk.shape() != headDim) {
            String src = KernelSource.rope(headDim, rope.dims(), rope.neox(), rope.freqFactors() != null);
            sk = new ShapedKernel(headDim, kernel(ctx.program(src), "rope"));
            byRope.put(rope, sk);
        }
        MemorySegment k = sk.kernel();
        int count = n * heads * headDim;
        MemorySegment buf = scratch(0, 4L * count);
        upload(buf, x, count);
        argMem(k, 0, buf);
        argInt(k, 1, heads);
        argInt(k, 2, startPos);
        argFloat(k, 3, rope.base());
        argMem(k, 4, rope.freqFactors() != null ? vector(rope.freqFactors()) : buf);
        run(k, rope.dims() / 2, heads, n);
        download(buf, x, 0, count);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The cache is written on the device through a buffer over its host memory, then mapped so the
     * host sees the values too. The cache of a layer must be written only through one kernel set: a
     * device with its own memory would not see values the host wrote.
     */
    @Override
    public void storeKv(float[] src, int n, KvLayer layer, boolean keys, int startPos) {
        if (startPos < 0 || startPos + n > layer.capacity()) {
            throw new IndexOutOfBoundsException("positions " + startPos + ".." + (startPos + n - 1)
                    + " outside a cache of " + layer.capacity());
        }
        if (layer.pages() > 1) {
            // a cache in several pages (the scheduler's paged KV cache) is written on the host, with the
            // same F16 rounding (to nearest even) as the device's store
            layer.writeRows(src, n, keys, startPos);
            return;
        }
        requireContiguous(layer, startPos + n);
        MemorySegment cache = ctx.hostBuffer(keys ? layer.keys() : layer.values());
        int count = n * layer.rowElements();
        long first = (long) startPos * layer.rowElements();
        MemorySegment k = layer.format() == QuantFormat.F32 ? storeF32 : storeF16;
        int bytes = layer.format() == QuantFormat.F32 ? 4 : 2;
        MemorySegment in = scratch(0, 4L * count);
        upload(in, src, count);
        argMem(k, 0, in);
        argMem(k, 1, cache);
        argLong(k, 2, first);
        run(k, count, 1, 1);
        cl.syncToHost(queue, cache, first * bytes, (long) count * bytes);
    }

    @Override
    public void attention(float[] q, int n, int startPos, KvLayer layer, AttentionShape shape, float[] out) {
        if (layer.rowElements() != shape.kvHeads() * shape.headDim()) {
            throw new IllegalArgumentException("cache rows of " + layer.rowElements() + " values do not hold "
                    + shape.kvHeads() + " heads of " + shape.headDim());
        }
        if (startPos + n > layer.capacity()) {
            throw new IndexOutOfBoundsException("positions up to " + (startPos + n - 1) + " outside a cache of "
                    + layer.capacity());
        }
        boolean paged = layer.pages() > 1;
        QuantFormat kvFormat = paged ? QuantFormat.F32 : layer.format();
        long key = kvFormat.ordinal();
        ShapedKernel sk = byAttention.get(shape);
        if (sk == null || sk.shape() != key) {
            String src = KernelSource.attention(shape.heads(), shape.kvHeads(), shape.headDim(), kvFormat);
            sk = new ShapedKernel(key, kernel(ctx.program(src), "attention"));
            byAttention.put(shape, sk);
        }
        MemorySegment k = sk.kernel();
        int count = n * shape.heads() * shape.headDim();
        MemorySegment in = scratch(0, 4L * count);
        MemorySegment res = scratch(1, 4L * count);
        upload(in, q, count);
        argMem(k, 0, in);
        if (paged) {
            int rows = (startPos + n) * layer.rowElements();
            gatheredKeys = gather(layer, true, startPos + n, gatheredKeys);
            gatheredValues = gather(layer, false, startPos + n, gatheredValues);
            MemorySegment kBuf = scratch(3, 4L * rows);
            MemorySegment vBuf = scratch(4, 4L * rows);
            upload(kBuf, gatheredKeys, rows);
            upload(vBuf, gatheredValues, rows);
            argMem(k, 1, kBuf);
            argMem(k, 2, vBuf);
        } else {
            requireContiguous(layer, startPos + n);
            argMem(k, 1, ctx.hostBuffer(layer.keys()));
            argMem(k, 2, ctx.hostBuffer(layer.values()));
        }
        argMem(k, 3, res);
        argInt(k, 4, startPos);
        argFloat(k, 5, shape.scale());
        run(k, shape.heads(), n, 1);
        download(res, out, 0, count);
    }

    /** The device kernels index the cache directly, so a page too short for them must never reach them. */
    private static void requireContiguous(KvLayer layer, int positions) {
        long bytes = (long) positions * layer.rowElements() * (layer.format() == QuantFormat.F32 ? 4 : 2);
        if (layer.keys().byteSize() < bytes || layer.values().byteSize() < bytes) {
            throw new IllegalArgumentException("the KV page holds " + layer.keys().byteSize() + " bytes, "
                    + positions + " positions need " + bytes);
        }
    }

    /** Copies the first {@code positions} rows of a paged cache into one float array for the F32 attention kernel. */
    private static float[] gather(KvLayer layer, boolean keys, int positions, float[] into) {
        int row = layer.rowElements();
        float[] out = into != null && into.length >= positions * row ? into : new float[Math.max(positions * row,
                into == null ? 0 : 2 * into.length)];
        for (int pos = 0; pos < positions; pos++) {
            for (int i = 0; i < row; i++) {
                out[pos * row + i] = layer.value(keys, pos, i);
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cl.finish(queue);
        List<MemorySegment> all = new ArrayList<>();
        kernels.values().forEach(m -> all.addAll(m.values()));
        all.forEach(cl::releaseKernel);
        for (MemorySegment s : scratch) {
            if (s != null) {
                cl.releaseMemObject(s);
            }
        }
        cl.releaseQueue(queue);
        arena.close();
    }
}
