package io.jinfer.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.AttentionShape;
import io.jinfer.api.spi.KvLayer;
import io.jinfer.api.spi.RopeSpec;
import io.jinfer.api.spi.TensorView;
import io.jinfer.backend.cpu.ReferenceKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every operation of the OpenCL kernels against {@link ReferenceKernels} on random inputs. */
class OpenClKernelsTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static OpenClKernels cl;
    private static final ReferenceKernels REF = new ReferenceKernels();
    private static final Arena ARENA = Arena.ofShared();

    @BeforeAll
    static void start() {
        if (OpenClAvailable.present()) {
            cl = new OpenClKernels(OpenClAvailable.device(), WeightResidency.IN_PLACE);
        }
    }

    @BeforeEach
    void requireOpenCl() {
        OpenClAvailable.backend();
    }

    @AfterAll
    static void stop() {
        if (cl != null) {
            cl.close();
        }
    }

    /** Random bytes with every scale field set to a modest finite half, so each block decodes to finite values. */
    static TensorView randomWeight(QuantFormat f, int cols, int rows, long seed) {
        Random rnd = new Random(seed);
        long[] shape = {cols, rows};
        MemorySegment data = ARENA.allocate(TensorView.bytesFor(f, shape), 32);
        long count = (long) cols * rows;
        switch (f) {
            case F32 -> {
                for (long i = 0; i < count; i++) {
                    data.setAtIndex(FLOAT, i, (float) rnd.nextGaussian());
                }
            }
            case F16 -> {
                for (long i = 0; i < count; i++) {
                    data.setAtIndex(SHORT, i, Float.floatToFloat16((float) rnd.nextGaussian()));
                }
            }
            case BF16 -> {
                for (long i = 0; i < count; i++) {
                    data.setAtIndex(SHORT, i, (short) (Float.floatToIntBits((float) rnd.nextGaussian()) >>> 16));
                }
            }
            default -> {
                byte[] bytes = new byte[(int) data.byteSize()];
                rnd.nextBytes(bytes);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, data, 0, bytes.length);
                long blocks = count / f.blockSize();
                for (long b = 0; b < blocks; b++) {
                    long at = b * f.bytesPerBlock();
                    for (int off : scaleOffsets(f)) {
                        data.set(SHORT, at + off, Float.floatToFloat16((float) (rnd.nextGaussian() * 0.05)));
                    }
                }
            }
        }
        return new TensorView("w." + f, f, shape, data);
    }

    private static int[] scaleOffsets(QuantFormat f) {
        return switch (f) {
            case Q8_0, Q4_0, Q5_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(f.toString());
        };
    }

    static float[] gaussian(int n, long seed) {
        Random rnd = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    static TensorView f32Vector(float[] v) {
        MemorySegment s = ARENA.allocate(4L * v.length, 16);
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT, 0, v.length);
        return new TensorView("v", QuantFormat.F32, new long[] {v.length}, s);
    }

    static void assertClose(float[] expected, float[] actual, int count, double tolerance, String what) {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < count; i++) {
            double d = Math.abs(expected[i] - actual[i]) / Math.max(1.0, Math.abs(expected[i]));
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        int i = at;
        double w = worst;
        assertTrue(w <= tolerance, () -> what + ": largest relative difference " + w + " at " + i
                + " (expected " + expected[i] + ", got " + actual[i] + ")");
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void matmulAndRowsMatchTheReference(QuantFormat f) {
        int cols = 512;
        int rows = 24;
        TensorView w = randomWeight(f, cols, rows, f.ordinal());
        for (int n : new int[] {1, 3}) {
            float[] x = gaussian(n * cols, 7 + n);
            float[] expected = new float[n * rows];
            float[] actual = new float[n * rows];
            REF.matmul(w, x, expected, n);
            cl.matmul(w, x, actual, n);
            assertClose(expected, actual, n * rows, 2e-4, f + " matmul n=" + n);
        }
        float[] expected = new float[cols + 3];
        float[] actual = new float[cols + 3];
        REF.dequantizeRow(w, rows - 2, expected, 3);
        cl.dequantizeRow(w, rows - 2, actual, 3);
        assertClose(expected, actual, cols + 3, 1e-6, f + " row");
    }

    @Test
    void rmsNormAddAndSwigluMatchTheReference() {
        int n = 3;
        int dim = 96;
        TensorView w = f32Vector(gaussian(dim, 1));
        float[] x = gaussian(n * dim, 2);
        float[] e = new float[n * dim];
        float[] a = new float[n * dim];
        REF.rmsNorm(x, e, n, dim, w, 1e-5f);
        cl.rmsNorm(x, a, n, dim, w, 1e-5f);
        assertClose(e, a, n * dim, 1e-5, "rmsNorm");

        float[] e2 = x.clone();
        float[] a2 = x.clone();
        REF.addVector(e2, n, w);
        cl.addVector(a2, n, w);
        assertClose(e2, a2, n * dim, 1e-6, "addVector");

        float[] src = gaussian(n * dim, 3);
        REF.add(e2, src, n * dim - 5);
        cl.add(a2, src, n * dim - 5);
        assertClose(e2, a2, n * dim, 1e-6, "add");

        float[] gate = gaussian(n * dim, 4);
        float[] ge = gate.clone();
        float[] ga = gate.clone();
        REF.swiglu(ge, src, n * dim);
        cl.swiglu(ga, src, n * dim);
        assertClose(ge, ga, n * dim, 1e-5, "swiglu");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void ropeMatchesTheReference(boolean neox) {
        int n = 3;
        int heads = 4;
        int headDim = 32;
        RopeSpec plain = new RopeSpec(10000f, headDim, neox, null);
        RopeSpec partial = new RopeSpec(500000f, 16, neox, f32Vector(new float[] {1, 1, 2, 4, 8, 8, 1, 3}));
        for (RopeSpec spec : new RopeSpec[] {plain, partial}) {
            float[] e = gaussian(n * heads * headDim, 5);
            float[] a = e.clone();
            REF.rope(e, n, heads, headDim, 37, spec);
            cl.rope(a, n, heads, headDim, 37, spec);
            assertClose(e, a, e.length, 2e-5, "rope neox=" + neox + " dims=" + spec.dims());
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16"})
    void storeKvAndAttentionMatchTheReference(QuantFormat kvFormat) {
        AttentionShape shape = new AttentionShape(8, 2, 32, (float) (1 / Math.sqrt(32)));
        int row = shape.kvHeads() * shape.headDim();
        int capacity = 16;
        int bytes = kvFormat == QuantFormat.F32 ? 4 : 2;
        KvLayer ref = new KvLayer(ARENA.allocate((long) row * capacity * bytes, 64),
                ARENA.allocate((long) row * capacity * bytes, 64), kvFormat, row, capacity);
        KvLayer dev = new KvLayer(ARENA.allocate((long) row * capacity * bytes, 64),
                ARENA.allocate((long) row * capacity * bytes, 64), kvFormat, row, capacity);
        // a prefill of 5 positions, then one step at position 5 (queries see the earlier steps' keys)
        int[][] steps = {{0, 5}, {5, 1}, {6, 3}};
        for (int[] s : steps) {
            int start = s[0];
            int n = s[1];
            float[] k = gaussian(n * row, 10 + start);
            float[] v = gaussian(n * row, 20 + start);
            REF.storeKv(k, n, ref, true, start);
            REF.storeKv(v, n, ref, false, start);
            cl.storeKv(k, n, dev, true, start);
            cl.storeKv(v, n, dev, false, start);
            long used = (long) (start + n) * row * bytes;
            assertEquals(-1, ref.keys().asSlice(0, used).mismatch(dev.keys().asSlice(0, used)), "keys differ");
            assertEquals(-1, ref.values().asSlice(0, used).mismatch(dev.values().asSlice(0, used)), "values differ");

            float[] q = gaussian(n * shape.heads() * shape.headDim(), 30 + start);
            float[] e = new float[q.length];
            float[] a = new float[q.length];
            REF.attention(q, n, start, ref, shape, e);
            cl.attention(q, n, start, dev, shape, a);
            assertClose(e, a, q.length, 2e-5, "attention " + kvFormat + " at " + start);
        }
    }

    @Test
    void shortArraysAreRefusedBeforeTheDriverReadsPastThem() {
        TensorView w = randomWeight(QuantFormat.Q8_0, 64, 4, 11);
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> cl.matmul(w, new float[63], new float[4], 1));
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> cl.matmul(w, new float[128], new float[7], 2));
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> cl.dequantizeRow(w, 1, new float[70], 10));
    }

    @Test
    void programsAreBuiltOncePerDeviceAndShape() {
        int cols = 256;
        TensorView w = randomWeight(QuantFormat.Q8_0, cols, 4, 99);
        float[] x = gaussian(cols, 1);
        float[] out = new float[4];
        cl.matmul(w, x, out, 1);
        int builds = cl.programBuilds();
        try (OpenClKernels other = new OpenClKernels(cl.device(), WeightResidency.COPIED)) {
            TensorView w2 = randomWeight(QuantFormat.Q8_0, cols, 6, 100);
            other.matmul(w2, x, new float[6], 1);
            other.matmul(w, x, out, 1);
        }
        assertEquals(builds, cl.programBuilds(), "a second kernel set or tensor of the same shape rebuilt a program");
    }

    @Test
    void copiedAndInPlaceWeightsGiveTheSameProduct() {
        TensorView w = randomWeight(QuantFormat.Q4_K, 256, 8, 5);
        float[] x = gaussian(256, 6);
        float[] inPlace = new float[8];
        float[] copied = new float[8];
        cl.matmul(w, x, inPlace, 1);
        long before = cl.copiedWeightBytes();
        try (OpenClKernels copy = new OpenClKernels(cl.device(), WeightResidency.COPIED)) {
            copy.matmul(w, x, copied, 1);
        }
        assertEquals(before + w.data().byteSize(), cl.copiedWeightBytes(), "the copied kernel set copied the weight");
        for (int i = 0; i < 8; i++) {
            assertEquals(inPlace[i], copied[i], 0f);
        }
    }
}
