package io.jinfer.backend.cuda;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.AttentionShape;
import io.jinfer.api.spi.Kernels;
import io.jinfer.api.spi.KvLayer;
import io.jinfer.api.spi.RopeSpec;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import io.jinfer.api.format.MiniFloats;
import io.jinfer.api.format.ReferenceDequantizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kernels whose matrix products run on an NVIDIA GPU: each weight is copied to device memory once,
 * on first use, and stays there; activations go to the device and back per product. Everything
 * else (norms, RoPE, attention, the KV cache, and weight formats without a CUDA kernel) runs on the
 * CPU kernels given at construction. Matrix products are where a decoder spends its time and its
 * memory traffic, so this is the partial offload llama.cpp calls "-ngl": the first step, not the
 * last (activations and the KV cache on the device are next).
 */
final class CudaKernels implements Kernels {

    private static final int ROWS_PER_BLOCK = 4;

    private final CudaContext ctx;
    private final Kernels cpu;
    private final String deviceName;
    private final Map<Long, Long> deviceWeights = new HashMap<>();
    private final Map<Long, Long> deviceScales = new HashMap<>();
    private final List<Long> allocations = new ArrayList<>();
    private final Arena arena = Arena.ofShared();
    private MemorySegment hostX = MemorySegment.NULL;
    private MemorySegment hostY = MemorySegment.NULL;
    private long deviceX;
    private long deviceY;
    private boolean closed;

    CudaKernels(CudaContext ctx, Kernels cpu, String deviceName) {
        this.ctx = ctx;
        this.cpu = cpu;
        this.deviceName = deviceName;
    }

    @Override
    public String description() {
        return "cuda on " + deviceName + " (matrix products of F32, F16, Q8_0, Q4_0, MXFP4, NVFP4, FP8 and "
                + "NVFP4 checkpoints; the rest on " + cpu.description() + ")";
    }

    /** The kernel for a weight, or null when the GPU has none for its format and scales. */
    static String kernelFor(TensorView w) {
        WeightScales s = w.scales();
        return switch (w.format()) {
            case F32 -> "ji_gemv_f32";
            case F16 -> "ji_gemv_f16";
            case Q8_0 -> "ji_gemv_q8_0";
            case Q4_0 -> "ji_gemv_q4_0";
            case MXFP4 -> "ji_gemv_mxfp4";
            case NVFP4 -> "ji_gemv_nvfp4";
            case F8_E4M3, F8_E5M2 -> s != null ? "ji_gemv_fp8" : null;
            case E2M1 -> s != null && s.format() == QuantFormat.F8_E4M3 && s.rowBlock() == 1 && s.columnBlock() == 16
                    ? "ji_gemv_nvfp4_checkpoint" : null;
            default -> null;
        };
    }

    @Override
    public synchronized void matmul(TensorView weight, float[] x, float[] out, int n) {
        String kernel = kernelFor(weight);
        if (kernel == null) {
            cpu.matmul(weight, x, out, n);
            return;
        }
        int rows = weight.rows();
        int cols = weight.columns();
        ctx.makeCurrent();
        long w = upload(deviceWeights, weight.data());
        stage(x, n * cols, n * rows);
        int grid = (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
        int block = 32 * ROWS_PER_BLOCK;
        switch (kernel) {
            case "ji_gemv_fp8" -> {
                WeightScales s = weight.scales();
                long scales = uploadScales(s, cols, rows);
                ctx.launch(kernel, grid, n, block, w, scales, s.rowBlock(), s.columnBlock(), s.globalScale(),
                        weight.format() == QuantFormat.F8_E4M3 ? 0 : 1, deviceX, deviceY, rows, cols);
            }
            case "ji_gemv_nvfp4_checkpoint" -> {
                WeightScales s = weight.scales();
                long scales = upload(deviceScales, s.data());
                ctx.launch(kernel, grid, n, block, w, scales, s.globalScale(), deviceX, deviceY, rows, cols);
            }
            default -> ctx.launch(kernel, grid, n, block, w, deviceX, deviceY, rows, cols);
        }
        MemorySegment y = hostY.asSlice(0, (long) n * rows * Float.BYTES);
        ctx.copyToHost(y, deviceY);
        MemorySegment.copy(y, ValueLayout.JAVA_FLOAT, 0, out, 0, n * rows);
    }

    private void stage(float[] x, int inputs, int outputs) {
        long in = (long) inputs * Float.BYTES;
        long out = (long) outputs * Float.BYTES;
        if (hostX.byteSize() < in) {
            hostX = arena.allocate(in, 64);
            deviceX = alloc(in);
        }
        if (hostY.byteSize() < out) {
            hostY = arena.allocate(out, 64);
            deviceY = alloc(out);
        }
        MemorySegment.copy(x, 0, hostX, ValueLayout.JAVA_FLOAT, 0, inputs);
        ctx.copyToDevice(deviceX, hostX.asSlice(0, in));
    }

    private long upload(Map<Long, Long> cache, MemorySegment data) {
        Long p = cache.get(data.address());
        if (p == null) {
            p = alloc(data.byteSize());
            ctx.copyToDevice(p, data);
            cache.put(data.address(), p);
        }
        return p;
    }

    /** FP8 scale grids go to the device as F32, whatever their stored format. */
    private long uploadScales(WeightScales s, int cols, int rows) {
        Long p = deviceScales.get(s.data().address());
        if (p == null) {
            int count = Math.toIntExact(s.gridRows(rows) * s.gridColumns(cols));
            MemorySegment f32 = arena.allocate((long) count * Float.BYTES, 64);
            for (int i = 0; i < count; i++) {
                f32.setAtIndex(ValueLayout.JAVA_FLOAT, i, scaleAt(s, i));
            }
            p = alloc(f32.byteSize());
            ctx.copyToDevice(p, f32);
            deviceScales.put(s.data().address(), p);
        }
        return p;
    }

    private static float scaleAt(WeightScales s, int i) {
        MemorySegment d = s.data();
        return switch (s.format()) {
            case F32 -> d.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            case F16 -> Float.float16ToFloat(d.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
            case BF16 -> ReferenceDequantizer.bf16ToFloat(d.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
            case E8M0 -> 2 * MiniFloats.e8m0Half(d.get(ValueLayout.JAVA_BYTE, i));
            default -> throw new IllegalArgumentException("FP8 scales stored as " + s.format() + " are not supported on CUDA");
        };
    }

    private long alloc(long bytes) {
        long p = ctx.alloc(bytes);
        allocations.add(p);
        return p;
    }

    @Override
    public void dequantizeRow(TensorView table, int row, float[] out, int outOffset) {
        cpu.dequantizeRow(table, row, out, outOffset);
    }

    @Override
    public void rmsNorm(float[] x, float[] out, int n, int dim, TensorView weight, float eps) {
        cpu.rmsNorm(x, out, n, dim, weight, eps);
    }

    @Override
    public void addVector(float[] x, int n, TensorView vector) {
        cpu.addVector(x, n, vector);
    }

    @Override
    public void add(float[] dst, float[] src, int length) {
        cpu.add(dst, src, length);
    }

    @Override
    public void rope(float[] x, int n, int heads, int headDim, int startPos, RopeSpec rope) {
        cpu.rope(x, n, heads, headDim, startPos, rope);
    }

    @Override
    public void storeKv(float[] src, int n, KvLayer layer, boolean keys, int startPos) {
        cpu.storeKv(src, n, layer, keys, startPos);
    }

    @Override
    public void attention(float[] q, int n, int startPos, KvLayer layer, AttentionShape shape, float[] out) {
        cpu.attention(q, n, startPos, layer, shape, out);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int length) {
        cpu.swiglu(gate, up, length);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            ctx.makeCurrent();
            for (long p : allocations) {
                ctx.free(p);
            }
        } finally {
            allocations.clear();
            arena.close();
            ctx.close();
            cpu.close();
        }
    }
}
