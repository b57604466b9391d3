package io.jinfer.loader.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Writer → reader gives back every metadata value with its type and every tensor's bytes. */
class GgufWriterRoundTripTest {
    @TempDir
    Path dir;

    private record Expected(GgufValueType type, GgufValueType elem, Object value) {}

    @ParameterizedTest(name = "v{0} alignment {1}")
    @CsvSource({"3, 0", "2, 0", "3, 64", "2, 8", "3, 1", "3, 4096"})
    void everyValueAndTensorSurvives(int version, int alignment) throws Exception {
        GgufWriter w = new GgufWriter().version(version);
        Map<String, Expected> expected = new LinkedHashMap<>();
        if (alignment > 0) {
            w.alignment(alignment);
            expected.put("general.alignment", new Expected(GgufValueType.UINT32, null, (long) alignment));
        }
        w.putUint8("u8", 255).putInt8("i8", -128).putUint16("u16", 65535).putInt16("i16", -32768)
                .putUint32("u32", 0xFFFF_FFFFL).putInt32("i32", Integer.MIN_VALUE).putUint64("u64", -1L)
                .putInt64("i64", Long.MIN_VALUE).putFloat32("f32", 1.5e-3f).putFloat64("f64", Math.PI)
                .putBool("t", true).putBool("f", false).putString("s", "héllo ✓ 🦙").putString("empty", "");
        expected.put("u8", new Expected(GgufValueType.UINT8, null, 255L));
        expected.put("i8", new Expected(GgufValueType.INT8, null, -128L));
        expected.put("u16", new Expected(GgufValueType.UINT16, null, 65535L));
        expected.put("i16", new Expected(GgufValueType.INT16, null, -32768L));
        expected.put("u32", new Expected(GgufValueType.UINT32, null, 0xFFFF_FFFFL));
        expected.put("i32", new Expected(GgufValueType.INT32, null, (long) Integer.MIN_VALUE));
        expected.put("u64", new Expected(GgufValueType.UINT64, null, -1L));
        expected.put("i64", new Expected(GgufValueType.INT64, null, Long.MIN_VALUE));
        expected.put("f32", new Expected(GgufValueType.FLOAT32, null, (double) 1.5e-3f));
        expected.put("f64", new Expected(GgufValueType.FLOAT64, null, Math.PI));
        expected.put("t", new Expected(GgufValueType.BOOL, null, true));
        expected.put("f", new Expected(GgufValueType.BOOL, null, false));
        expected.put("s", new Expected(GgufValueType.STRING, null, "héllo ✓ 🦙"));
        expected.put("empty", new Expected(GgufValueType.STRING, null, ""));

        Map<GgufValueType, long[]> ints = Map.of(
                GgufValueType.UINT8, new long[] {0, 1, 255}, GgufValueType.INT8, new long[] {-128, 0, 127},
                GgufValueType.UINT16, new long[] {0, 65535}, GgufValueType.INT16, new long[] {-32768, 32767},
                GgufValueType.UINT32, new long[] {0, 0xFFFF_FFFFL}, GgufValueType.INT32,
                new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE}, GgufValueType.UINT64, new long[] {-1, 0},
                GgufValueType.INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 7});
        for (var e : ints.entrySet()) {
            String key = "arr." + e.getKey();
            w.putArray(key, e.getKey(), e.getValue());
            expected.put(key, new Expected(GgufValueType.ARRAY, e.getKey(), e.getValue()));
        }
        put(w, expected, "arr.f32", GgufValueType.FLOAT32, new float[] {1f, -0f, Float.NaN, Float.MAX_VALUE});
        put(w, expected, "arr.f64", GgufValueType.FLOAT64, new double[] {Double.MIN_VALUE, -2.5});
        put(w, expected, "arr.bool", GgufValueType.BOOL, new boolean[] {true, false, true});
        put(w, expected, "arr.str", GgufValueType.STRING, List.of("a", "", "ü"));
        put(w, expected, "arr.empty", GgufValueType.INT32, new long[0]);
        List<Object> nested = List.of(new long[] {1, 2}, List.of("x", "y"), new float[] {3f},
                new GgufWriter.TypedArray(GgufValueType.UINT8, new long[] {9}), List.of(List.of("deep")));
        w.putArray("arr.nested", GgufValueType.ARRAY, nested);
        expected.put("arr.nested", new Expected(GgufValueType.ARRAY, GgufValueType.ARRAY, List.of(new long[] {1, 2},
                List.of("x", "y"), new float[] {3f}, new long[] {9}, List.of(List.of("deep")))));

        Random rnd = new Random(42);
        Map<String, byte[]> data = new LinkedHashMap<>();
        byte[] f32 = bytes(rnd, TensorView.bytesFor(QuantFormat.F32, new long[] {7, 3}));
        w.addTensor("f32", QuantFormat.F32, new long[] {7, 3}, f32);
        data.put("f32", f32);
        byte[] q4 = bytes(rnd, TensorView.bytesFor(QuantFormat.Q4_0, new long[] {64, 2, 3}));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(q4.length);
            MemorySegment.copy(q4, 0, seg, ValueLayout.JAVA_BYTE, 0, q4.length);
            w.addTensor("q4", QuantFormat.Q4_0, new long[] {64, 2, 3}, seg);
            data.put("q4", q4);
            byte[] qk = bytes(rnd, TensorView.bytesFor(QuantFormat.Q4_K, new long[] {256, 1, 2, 2}));
            w.addTensor("qk", QuantFormat.Q4_K, new long[] {256, 1, 2, 2}, out -> {
                out.write(qk, 0, 10);
                out.write(qk[10]);
                out.write(qk, 11, qk.length - 11);
            });
            data.put("qk", qk);
            byte[] f16 = bytes(rnd, 2);
            w.addTensor("one", QuantFormat.F16, new long[] {1}, f16);
            data.put("one", f16);

            Path file = dir.resolve("model.gguf");
            long size = w.write(file);
            assertEquals(Files.size(file), size);
            assertEquals(List.of(file), Files.list(dir).toList(), "no temporary file is left behind");
            check(file, version, alignment == 0 ? 32 : alignment, expected, data);
        }
    }

    private static void put(GgufWriter w, Map<String, Expected> expected, String key, GgufValueType elem, Object v) {
        w.putArray(key, elem, v);
        expected.put(key, new Expected(GgufValueType.ARRAY, elem, v));
    }

    private static byte[] bytes(Random rnd, long n) {
        byte[] b = new byte[(int) n];
        rnd.nextBytes(b);
        return b;
    }

    private static void check(Path file, int version, int alignment, Map<String, Expected> expected,
            Map<String, byte[]> data) {
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(version, f.version());
            assertEquals(alignment, f.alignment());
            assertEquals(0, f.dataOffset() % alignment);
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(f.metadata().keys()));
            for (var e : expected.entrySet()) {
                GgufMetadata.Entry got = f.metadata().entries().get(e.getKey());
                assertEquals(e.getValue().type(), got.type(), e.getKey());
                if (got.type() == GgufValueType.ARRAY) {
                    assertEquals(e.getValue().elem(), got.elementType(), e.getKey());
                } else {
                    assertNull(got.elementType(), e.getKey());
                }
                assertDeepEquals(e.getKey(), e.getValue().value(), got.value());
            }
            assertEquals(List.copyOf(data.keySet()), f.tensorInfos().stream().map(GgufTensorInfo::name).toList());
            for (var e : data.entrySet()) {
                TensorView v = f.tensor(e.getKey());
                assertArrayEquals(e.getValue(), v.data().toArray(ValueLayout.JAVA_BYTE), e.getKey());
                assertEquals(0, (v.data().address() - f.mapping().segment().address()) % alignment, e.getKey());
            }
        }
    }

    private static void assertDeepEquals(String key, Object want, Object got) {
        switch (want) {
            case long[] a -> assertArrayEquals(a, assertInstanceOf(long[].class, got), key);
            case float[] a -> assertArrayEquals(a, assertInstanceOf(float[].class, got), key);
            case double[] a -> assertArrayEquals(a, assertInstanceOf(double[].class, got), key);
            case boolean[] a -> assertArrayEquals(a, assertInstanceOf(boolean[].class, got), key);
            case List<?> l -> {
                List<?> g = assertInstanceOf(List.class, got);
                assertEquals(l.size(), g.size(), key);
                for (int i = 0; i < l.size(); i++) {
                    assertDeepEquals(key + "[" + i + "]", l.get(i), g.get(i));
                }
            }
            default -> assertEquals(want, got, key);
        }
    }
}
