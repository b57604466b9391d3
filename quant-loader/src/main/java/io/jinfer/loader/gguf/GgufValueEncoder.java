package io.jinfer.loader.gguf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes metadata values into GGUF's little-endian byte form, checking on the way that each Java
 * value fits the GGUF type it is written as. Errors are {@link IllegalArgumentException}s naming
 * the key, thrown when the value is put, so a bad value never reaches a file.
 */
final class GgufValueEncoder {
    private byte[] buf = new byte[256];
    private int size;

    /** @return the bytes encoded so far */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /** @return number of bytes encoded so far */
    int size() {
        return size;
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            long want = Math.max((long) buf.length * 2, (long) size + extra);
            if (want > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("GGUF header larger than 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    void u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
    }

    void u16(int v) {
        u8(v);
        u8(v >>> 8);
    }

    void u32(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            buf[size++] = (byte) (v >>> (8 * i));
        }
    }

    void u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[size++] = (byte) (v >>> (8 * i));
        }
    }

    void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        bytes(b);
    }

    /** Writes the value type id followed by the value (a scalar or, for ARRAY, the whole array). */
    void typedValue(String key, GgufValueType type, GgufValueType elementType, Object value) {
        if (type == null) {
            throw new IllegalArgumentException(key + ": value type is null");
        }
        u32(type.ordinal());
        if (type == GgufValueType.ARRAY) {
            array(key, elementType, value, 0);
        } else {
            if (elementType != null) {
                throw new IllegalArgumentException(key + ": an element type is only meaningful for ARRAY, not " + type);
            }
            scalar(key, type, value);
        }
    }

    private void scalar(String key, GgufValueType type, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(key + ": value is null");
        }
        switch (type) {
            case UINT8 -> u8((int) integer(key, type, value, 0, 0xFF));
            case INT8 -> u8((int) integer(key, type, value, Byte.MIN_VALUE, Byte.MAX_VALUE));
            case UINT16 -> u16((int) integer(key, type, value, 0, 0xFFFF));
            case INT16 -> u16((int) integer(key, type, value, Short.MIN_VALUE, Short.MAX_VALUE));
            case UINT32 -> u32((int) integer(key, type, value, 0, 0xFFFF_FFFFL));
            case INT32 -> u32((int) integer(key, type, value, Integer.MIN_VALUE, Integer.MAX_VALUE));
            // UINT64 is carried as the raw 64 bits in a long, as the reader returns it.
            case UINT64, INT64 -> u64(integer(key, type, value, Long.MIN_VALUE, Long.MAX_VALUE));
            case FLOAT32 -> u32(Float.floatToRawIntBits((float) number(key, type, value)));
            case FLOAT64 -> u64(Double.doubleToRawLongBits(number(key, type, value)));
            case BOOL -> {
                if (!(value instanceof Boolean b)) {
                    throw mismatch(key, type, value);
                }
                u8(b ? 1 : 0);
            }
            case STRING -> {
                if (!(value instanceof String s)) {
                    throw mismatch(key, type, value);
                }
                string(s);
            }
            case ARRAY -> throw new IllegalArgumentException(key + ": ARRAY is not a scalar type");
        }
    }

    private static long integer(String key, GgufValueType type, Object value, long min, long max) {
        if (!(value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte)) {
            throw mismatch(key, type, value);
        }
        long v = ((Number) value).longValue();
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + ": " + v + " does not fit " + type + " [" + min + ", " + max + "]");
        }
        return v;
    }

    private static double number(String key, GgufValueType type, Object value) {
        if (!(value instanceof Double || value instanceof Float)) {
            throw mismatch(key, type, value);
        }
        return ((Number) value).doubleValue();
    }

    private static IllegalArgumentException mismatch(String key, GgufValueType type, Object value) {
        return new IllegalArgumentException(key + ": a " + type + " value cannot be "
                + (value == null ? "null" : "a " + value.getClass().getSimpleName()));
    }

    /** Element type, u64 length, then the elements. */
    private void array(String key, GgufValueType elem, Object value, int depth) {
        if (elem == null) {
            throw new IllegalArgumentException(key + ": an ARRAY needs an element type");
        }
        if (value == null) {
            throw new IllegalArgumentException(key + ": array value is null");
        }
        if (depth > 7) {
            throw new IllegalArgumentException(key + ": arrays nested deeper than 8 cannot be read back");
        }
        u32(elem.ordinal());
        switch (elem) {
            case FLOAT32 -> {
                if (value instanceof float[] a) {
                    u64(a.length);
                    for (float f : a) {
                        u32(Float.floatToRawIntBits(f));
                    }
                } else {
                    throw arrayMismatch(key, elem, value, "float[]");
                }
            }
            case FLOAT64 -> {
                if (value instanceof double[] a) {
                    u64(a.length);
                    for (double d : a) {
                        u64(Double.doubleToRawLongBits(d));
                    }
                } else {
                    throw arrayMismatch(key, elem, value, "double[]");
                }
            }
            case BOOL -> {
                if (value instanceof boolean[] a) {
                    u64(a.length);
                    for (boolean b : a) {
                        u8(b ? 1 : 0);
                    }
                } else {
                    throw arrayMismatch(key, elem, value, "boolean[]");
                }
            }
            case STRING -> {
                List<?> list = list(key, elem, value);
                u64(list.size());
                for (int i = 0; i < list.size(); i++) {
                    if (!(list.get(i) instanceof String s)) {
                        throw new IllegalArgumentException(key + "[" + i + "]: expected a String, found "
                                + (list.get(i) == null ? "null" : list.get(i).getClass().getSimpleName()));
                    }
                    string(s);
                }
            }
            case ARRAY -> {
                List<?> list = list(key, elem, value);
                u64(list.size());
                for (int i = 0; i < list.size(); i++) {
                    Object inner = list.get(i);
                    String innerKey = key + "[" + i + "]";
                    if (inner instanceof GgufWriter.TypedArray t) {
                        array(innerKey, t.elementType(), t.values(), depth + 1);
                    } else {
                        array(innerKey, inferElementType(innerKey, inner), inner, depth + 1);
                    }
                }
            }
            default -> {
                long[] a = integers(key, elem, value);
                u64(a.length);
                for (int i = 0; i < a.length; i++) {
                    scalar(key + "[" + i + "]", elem, a[i]);
                }
            }
        }
    }

    private static List<?> list(String key, GgufValueType elem, Object value) {
        if (value instanceof List<?> l) {
            return l;
        }
        throw arrayMismatch(key, elem, value, "List");
    }

    private static long[] integers(String key, GgufValueType elem, Object value) {
        if (value instanceof long[] a) {
            return a;
        }
        if (value instanceof int[] a) {
            return Arrays.stream(a).asLongStream().toArray();
        }
        throw arrayMismatch(key, elem, value, "long[] or int[]");
    }

    /**
     * The element type of a nested array given without an explicit type: the type the reader would
     * turn into the same Java array (64-bit for integers). Wrap it in a {@link GgufWriter.TypedArray}
     * to choose another.
     */
    private static GgufValueType inferElementType(String key, Object inner) {
        if (inner instanceof long[]) {
            return GgufValueType.INT64;
        } else if (inner instanceof int[]) {
            return GgufValueType.INT32;
        } else if (inner instanceof float[]) {
            return GgufValueType.FLOAT32;
        } else if (inner instanceof double[]) {
            return GgufValueType.FLOAT64;
        } else if (inner instanceof boolean[]) {
            return GgufValueType.BOOL;
        } else if (inner instanceof List<?> l) {
            return l.stream().allMatch(x -> x instanceof String) ? GgufValueType.STRING : GgufValueType.ARRAY;
        }
        throw new IllegalArgumentException(key + ": a nested array cannot be "
                + (inner == null ? "null" : "a " + inner.getClass().getSimpleName()));
    }

    private static IllegalArgumentException arrayMismatch(String key, GgufValueType elem, Object value, String want) {
        return new IllegalArgumentException(key + ": an array of " + elem + " must be given as " + want + ", found "
                + value.getClass().getSimpleName());
    }
}
