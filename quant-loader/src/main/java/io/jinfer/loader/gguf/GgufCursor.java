package io.jinfer.loader.gguf;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Reads GGUF's little-endian fields from a mapped file with a bounds check before every read, so a
 * corrupt or truncated file fails with a {@link ModelFormatException} naming the byte offset and
 * field, never with an index error or a huge allocation.
 */
final class GgufCursor {
    /** Deepest nesting of arrays accepted; real files nest at most once. */
    static final int MAX_NESTING = 8;

    /** A parsed tensor-table entry with where its fields sat, for later error messages. */
    record TensorEntry(GgufTensorInfo info, long nameAt, long offsetAt) {}

    private final Path path;
    private final MemorySegment seg;
    private final long size;
    private long pos;

    GgufCursor(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    long position() {
        return pos;
    }

    private ModelFormatException error(long at, String field, String problem) {
        return new ModelFormatException(path, at, field, problem);
    }

    private void need(long bytes, String field) {
        if (bytes > size - pos) {
            throw error(pos, field, "expected " + bytes + " bytes, found only " + (size - pos)
                    + " before the end of the file at " + size + " (truncated)");
        }
    }

    int u32(String field) {
        need(4, field);
        int v = seg.get(LittleEndian.INT, pos);
        pos += 4;
        return v;
    }

    long u64(String field) {
        need(8, field);
        long v = seg.get(LittleEndian.LONG, pos);
        pos += 8;
        return v;
    }

    /** A u64 count of items each taking at least {@code minItemBytes}; rejects counts the file cannot hold. */
    long count(String field, long minItemBytes) {
        long at = pos;
        long n = u64(field);
        long remaining = size - pos;
        if (n < 0 || n > remaining / minItemBytes) {
            throw error(at, field, "expected a count the file can hold (items of at least " + minItemBytes
                    + " bytes, " + remaining + " bytes remain), found " + Long.toUnsignedString(n));
        }
        return n;
    }

    String string(String field) {
        return string(field, -1);
    }

    /**
     * Reads a string; the field name of an array element ({@code key[index]}) is built only for an
     * error message, since token arrays hold a hundred thousand strings and the first model load runs
     * this code before the JIT has compiled it.
     *
     * @param key the field, or the array's key when {@code index >= 0}
     * @param index the element's index, or -1 for a plain field
     */
    private String string(String key, long index) {
        long at = pos;
        if (8 > size - pos) {
            String field = index < 0 ? key : key + "[" + index + "]";
            throw error(pos, field + " length", "expected 8 bytes, found only " + (size - pos)
                    + " before the end of the file at " + size + " (truncated)");
        }
        long len = seg.get(LittleEndian.LONG, pos);
        pos += 8;
        if (len < 0 || len > size - pos) {
            String field = index < 0 ? key : key + "[" + index + "]";
            throw error(at, field, "string length " + Long.toUnsignedString(len) + " runs past the end of the file: "
                    + (size - pos) + " bytes remain");
        }
        if (len > Integer.MAX_VALUE - 16) {
            String field = index < 0 ? key : key + "[" + index + "]";
            throw error(at, field, "string length " + len + " exceeds the 2 GiB a string can hold");
        }
        byte[] bytes = new byte[(int) len];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, bytes, 0, (int) len);
        pos += len;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private GgufValueType valueType(String field) {
        long at = pos;
        int id = u32(field);
        GgufValueType type = GgufValueType.fromId(Integer.toUnsignedLong(id));
        if (type == null) {
            throw error(at, field, "unknown metadata value type " + Integer.toUnsignedString(id)
                    + " (expected 0 to " + (GgufValueType.values().length - 1) + ")");
        }
        return type;
    }

    /** A metadata value: its type, then the scalar or the array. */
    GgufMetadata.Entry value(String key) {
        GgufValueType type = valueType(key + " type");
        if (type == GgufValueType.ARRAY) {
            long elemAt = pos;
            GgufValueType elem = valueType(key + " element type");
            pos = elemAt;
            return new GgufMetadata.Entry(type, elem, array(key, 0));
        }
        return new GgufMetadata.Entry(type, null, scalar(type, key));
    }

    /** @return {@code len} integers of a fixed-size type as longs, unsigned types zero-extended */
    private long[] integers(GgufValueType elem, int len) {
        long[] a = new long[len];
        switch (elem) {
            case UINT8, INT8 -> {
                byte[] b = new byte[len];
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, len);
                boolean unsigned = elem == GgufValueType.UINT8;
                for (int i = 0; i < len; i++) {
                    a[i] = unsigned ? b[i] & 0xFF : b[i];
                }
            }
            case UINT16, INT16 -> {
                short[] b = new short[len];
                MemorySegment.copy(seg, LittleEndian.SHORT, pos, b, 0, len);
                boolean unsigned = elem == GgufValueType.UINT16;
                for (int i = 0; i < len; i++) {
                    a[i] = unsigned ? b[i] & 0xFFFF : b[i];
                }
            }
            case UINT32, INT32 -> {
                int[] b = new int[len];
                MemorySegment.copy(seg, LittleEndian.INT, pos, b, 0, len);
                boolean unsigned = elem == GgufValueType.UINT32;
                for (int i = 0; i < len; i++) {
                    a[i] = unsigned ? Integer.toUnsignedLong(b[i]) : b[i];
                }
            }
            default -> MemorySegment.copy(seg, LittleEndian.LONG, pos, a, 0, len);
        }
        pos += (long) len * elem.minBytes();
        return a;
    }

    private Object scalar(GgufValueType type, String key) {
        if (type == GgufValueType.STRING) {
            return string(key);
        }
        need(type.minBytes(), key);
        Object v = switch (type) {
            case UINT8 -> (long) (seg.get(ValueLayout.JAVA_BYTE, pos) & 0xFF);
            case INT8 -> (long) seg.get(ValueLayout.JAVA_BYTE, pos);
            case UINT16 -> (long) (seg.get(LittleEndian.SHORT, pos) & 0xFFFF);
            case INT16 -> (long) seg.get(LittleEndian.SHORT, pos);
            case UINT32 -> Integer.toUnsignedLong(seg.get(LittleEndian.INT, pos));
            case INT32 -> (long) seg.get(LittleEndian.INT, pos);
            case FLOAT32 -> (double) seg.get(LittleEndian.FLOAT, pos);
            case BOOL -> {
                int b = seg.get(ValueLayout.JAVA_BYTE, pos) & 0xFF;
                if (b > 1) {
                    throw error(pos, key, "expected a bool (0 or 1), found " + b);
                }
                yield b == 1;
            }
            case UINT64, INT64 -> seg.get(LittleEndian.LONG, pos);
            case FLOAT64 -> seg.get(LittleEndian.DOUBLE, pos);
            case STRING, ARRAY -> throw new IllegalStateException("not a scalar: " + type);
        };
        pos += type.minBytes();
        return v;
    }

    private Object array(String key, int depth) {
        long at = pos;
        if (depth >= MAX_NESTING) {
            throw error(at, key, "expected arrays nested at most " + MAX_NESTING + " deep, found deeper");
        }
        GgufValueType elem = valueType(key + " element type");
        long n = count(key + " array length", elem.minBytes());
        if (n > Integer.MAX_VALUE - 16) {
            throw error(at, key, "array of " + n + " elements exceeds the 2^31 a Java array can hold");
        }
        int len = (int) n;
        switch (elem) {
            case FLOAT32 -> {
                float[] a = new float[len];
                MemorySegment.copy(seg, LittleEndian.FLOAT, pos, a, 0, len);
                pos += 4L * len;
                return a;
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                MemorySegment.copy(seg, LittleEndian.DOUBLE, pos, a, 0, len);
                pos += 8L * len;
                return a;
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) {
                    a[i] = (Boolean) scalar(elem, key + "[" + i + "]");
                }
                return a;
            }
            case STRING -> {
                // Not pre-sized: a corrupt count must not allocate before the strings prove to be there.
                List<String> a = new ArrayList<>(Math.min(len, 1024));
                for (int i = 0; i < len; i++) {
                    a.add(string(key, i));
                }
                return Collections.unmodifiableList(a);
            }
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                // fixed-size elements: count() has checked that they all fit, so copy them at once
                return integers(elem, len);
            }
            case ARRAY -> {
                List<Object> a = new ArrayList<>(Math.min(len, 1024));
                for (int i = 0; i < len; i++) {
                    a.add(array(key + "[" + i + "]", depth + 1));
                }
                return Collections.unmodifiableList(a);
            }
            default -> {
                long[] a = new long[len];
                for (int i = 0; i < len; i++) {
                    a[i] = (Long) scalar(elem, key + "[" + i + "]");
                }
                return a;
            }
        }
    }

    /** One tensor-table entry: name, n_dims, dimensions, ggml type, data offset. */
    TensorEntry tensorInfo(long index, int alignment) {
        long nameAt = pos;
        String name = string("tensor #" + index + " name");
        long dimsAt = pos;
        int nDims = u32(name + " n_dims");
        if (nDims < 1 || nDims > GgufFile.MAX_DIMS) {
            throw error(dimsAt, name + " n_dims", "expected 1 to " + GgufFile.MAX_DIMS + " dimensions, found "
                    + Integer.toUnsignedString(nDims));
        }
        long[] shape = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long dimAt = pos;
            String field = name + " ne[" + d + "]";
            shape[d] = u64(field);
            if (shape[d] == 0) {
                throw error(dimAt, field, "expected a dimension > 0, found 0");
            }
            if (shape[d] < 0) {
                throw error(dimAt, field, "expected a dimension below 2^63, found " + Long.toUnsignedString(shape[d]));
            }
            try {
                elements = Math.multiplyExact(elements, shape[d]);
            } catch (ArithmeticException e) {
                throw error(dimAt, field, "the product of the dimensions overflows 2^63: "
                        + Arrays.toString(Arrays.copyOf(shape, d + 1)));
            }
        }
        long typeAt = pos;
        int typeId = u32(name + " type");
        QuantFormat format = QuantFormat.fromGgmlType(Integer.toUnsignedLong(typeId)).orElseThrow(() ->
                error(typeAt, name + " type", "unknown tensor type " + Integer.toUnsignedString(typeId)
                        + " (not a ggml type this reader knows)"));
        if (shape[0] % format.blockSize() != 0) {
            throw error(dimsAt + 4, name + " ne[0]", "expected a multiple of " + format.blockSize() + " (a row of whole "
                    + format + " blocks), found " + shape[0]);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements / format.blockSize(), (long) format.bytesPerBlock());
        } catch (ArithmeticException e) {
            throw error(dimsAt, name, "tensor of " + elements + " " + format + " values needs more than 2^63 bytes");
        }
        long offAt = pos;
        long offset = u64(name + " offset");
        if (offset < 0) {
            throw error(offAt, name + " offset", "expected a data offset below 2^63, found "
                    + Long.toUnsignedString(offset));
        }
        if (offset % alignment != 0) {
            throw error(offAt, name + " offset", "expected a multiple of the alignment " + alignment + ", found "
                    + offset);
        }
        return new TensorEntry(new GgufTensorInfo(name, format, shape, offset, bytes), nameAt, offAt);
    }
}
