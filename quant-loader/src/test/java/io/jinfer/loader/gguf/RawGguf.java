package io.jinfer.loader.gguf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Assembles GGUF bytes field by field with no validation at all, so tests can build files the
 * writer would refuse, and remembers where labelled fields start.
 */
final class RawGguf {
    private byte[] buf = new byte[256];
    private int size;
    private final Map<String, Integer> marks = new HashMap<>();

    /** Starts a file with magic, version and both counts. */
    static RawGguf header(int version, long tensorCount, long kvCount) {
        RawGguf r = new RawGguf();
        r.u32(GgufFile.MAGIC).u32(version).mark("tensor_count").u64(tensorCount).mark("kv_count").u64(kvCount);
        return r;
    }

    RawGguf mark(String label) {
        marks.put(label, size);
        return this;
    }

    int at(String label) {
        Integer p = marks.get(label);
        if (p == null) {
            throw new IllegalArgumentException("no mark " + label);
        }
        return p;
    }

    int size() {
        return size;
    }

    RawGguf u8(int v) {
        if (size == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[size++] = (byte) v;
        return this;
    }

    RawGguf u32(int v) {
        for (int i = 0; i < 4; i++) {
            u8(v >>> (8 * i));
        }
        return this;
    }

    RawGguf u64(long v) {
        for (int i = 0; i < 8; i++) {
            u8((int) (v >>> (8 * i)));
        }
        return this;
    }

    RawGguf str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        for (byte x : b) {
            u8(x);
        }
        return this;
    }

    /** A key/value pair with a u32 scalar value; marks the value as {@code key}. */
    RawGguf kvU32(String key, int value) {
        return str(key).u32(GgufValueType.UINT32.ordinal()).mark(key).u32(value);
    }

    /** A key/value pair with a string value. */
    RawGguf kvString(String key, String value) {
        return str(key).u32(GgufValueType.STRING.ordinal()).str(value);
    }

    /** A tensor-table entry; marks the offset field as {@code name + ".offset"}. */
    RawGguf tensor(String name, int ggmlType, long offset, long... shape) {
        mark(name).str(name).u32(shape.length);
        for (long d : shape) {
            u64(d);
        }
        return u32(ggmlType).mark(name + ".offset").u64(offset);
    }

    /** Zero bytes up to a multiple of {@code alignment}. */
    RawGguf pad(int alignment) {
        while (size % alignment != 0) {
            u8(0);
        }
        return this;
    }

    /** {@code n} bytes counting up from {@code seed}. */
    RawGguf data(int n, int seed) {
        for (int i = 0; i < n; i++) {
            u8(seed + i);
        }
        return this;
    }

    byte[] bytes() {
        return Arrays.copyOf(buf, size);
    }
}
