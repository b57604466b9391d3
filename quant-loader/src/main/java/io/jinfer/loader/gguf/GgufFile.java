package io.jinfer.loader.gguf;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.format.LittleEndian;
import io.jinfer.api.spi.TensorView;
import io.jinfer.memory.MappedFile;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (version 2 or 3), memory-mapped once and validated completely at open: every count,
 * string and tensor is checked against the file's size, so a truncated or corrupt file fails here
 * with a {@link ModelFormatException} and never later. Tensors are zero-copy views into the mapping;
 * closing the file unmaps them.
 */
public final class GgufFile implements AutoCloseable {
    /** "GGUF" read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    /** Alignment of tensor data when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's limit on tensor rank. */
    public static final int MAX_DIMS = 4;

    private final MappedFile mapped;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensorInfo> tensorInfos;
    private final Map<String, TensorView> views;
    private final long dataOffset;
    private final int alignment;

    private GgufFile(MappedFile mapped, int version, GgufMetadata metadata, Map<String, GgufTensorInfo> infos,
            long dataOffset, int alignment) {
        this.mapped = mapped;
        this.version = version;
        this.metadata = metadata;
        this.tensorInfos = Collections.unmodifiableMap(infos);
        this.dataOffset = dataOffset;
        this.alignment = alignment;
        Map<String, TensorView> v = new LinkedHashMap<>();
        for (GgufTensorInfo t : infos.values()) {
            MemorySegment slice = mapped.segment().asSlice(dataOffset + t.offset(), t.byteSize());
            v.put(t.name(), new TensorView(t.name(), t.format(), t.shape(), slice));
        }
        this.views = Collections.unmodifiableMap(v);
    }

    /**
     * Maps and validates a GGUF file.
     *
     * @param path the file
     * @return the open file
     * @throws ModelFormatException when the file is not valid GGUF or is truncated
     * @throws UncheckedIOException when it cannot be read
     */
    public static GgufFile open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new UncheckedIOException(new java.io.FileNotFoundException(path + " is not a readable file"));
        }
        MappedFile mapped = MappedFile.open(path);
        try {
            return parse(mapped);
        } catch (RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    private static GgufFile parse(MappedFile mapped) {
        GgufCursor in = new GgufCursor(mapped.path(), mapped.segment());
        int magic = in.u32("magic");
        if (magic != MAGIC) {
            throw new ModelFormatException(mapped.path(), 0, "magic",
                    String.format("expected \"GGUF\" (0x%08x), found 0x%08x: not a GGUF file", MAGIC, magic));
        }
        long versionAt = in.position();
        int version = in.u32("version");
        if (version == 1) {
            throw new ModelFormatException(mapped.path(), versionAt, "version",
                    "GGUF version 1 is not supported (expected 2 or 3); convert the file with a newer llama.cpp");
        }
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? " (a big-endian GGUF file; only little-endian files are supported)" : "";
            throw new ModelFormatException(mapped.path(), versionAt, "version",
                    "expected 2 or 3, found " + Integer.toUnsignedString(version) + hint);
        }
        long tensorCount = in.count("tensor_count", 8 + 4 + 4 + 8);
        long kvCount = in.count("metadata_kv_count", 8 + 4);

        Map<String, GgufMetadata.Entry> entries = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long keyAt = in.position();
            String key = in.string("metadata key #" + i);
            if (entries.containsKey(key)) {
                throw new ModelFormatException(mapped.path(), keyAt, key, "duplicate metadata key");
            }
            entries.put(key, in.value(key));
        }
        GgufMetadata metadata = new GgufMetadata(mapped.path(), entries);

        int alignment = DEFAULT_ALIGNMENT;
        GgufMetadata.Entry alignEntry = entries.get("general.alignment");
        if (alignEntry != null) {
            if (alignEntry.type() != GgufValueType.UINT32) {
                throw new ModelFormatException(mapped.path(), -1, "general.alignment",
                        "expected a UINT32, found " + alignEntry.type());
            }
            long a = (Long) alignEntry.value();
            if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
                throw new ModelFormatException(mapped.path(), -1, "general.alignment",
                        "expected a power of two, found " + a);
            }
            alignment = (int) a;
        }

        Map<String, GgufTensorInfo> infos = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensorInfo t = in.tensorInfo(i, alignment);
            if (infos.putIfAbsent(t.name(), t) != null) {
                throw new ModelFormatException(mapped.path(), -1, t.name(), "duplicate tensor name");
            }
        }

        long dataOffset = align(in.position(), alignment);
        long fileSize = mapped.size();
        if (!infos.isEmpty() && dataOffset > fileSize) {
            throw new ModelFormatException(mapped.path(), fileSize, "tensor data",
                    "file ends at " + fileSize + " before the data section starts at " + dataOffset + " (truncated)");
        }
        checkTensorBounds(mapped.path(), infos, dataOffset, fileSize);
        return new GgufFile(mapped, version, metadata, infos, dataOffset, alignment);
    }

    private static void checkTensorBounds(Path path, Map<String, GgufTensorInfo> infos, long dataOffset,
            long fileSize) {
        List<GgufTensorInfo> byOffset = new ArrayList<>(infos.values());
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        GgufTensorInfo previous = null;
        for (GgufTensorInfo t : byOffset) {
            long start = dataOffset + t.offset();
            long end = start + t.byteSize();
            if (start < dataOffset || end < start || end > fileSize) {
                throw new ModelFormatException(path, start, t.name(), "tensor data [" + start + ", " + end
                        + ") lies beyond the end of the file at " + fileSize + " (truncated or corrupt)");
            }
            if (previous != null && previous.offset() + previous.byteSize() > t.offset()) {
                throw new ModelFormatException(path, start, t.name(), "tensor data overlaps tensor "
                        + previous.name() + " which ends at " + (dataOffset + previous.offset() + previous.byteSize()));
            }
            previous = t;
        }
    }

    static long align(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    /** @return the path of the file */
    public Path path() {
        return mapped.path();
    }

    /** @return the GGUF version, 2 or 3 */
    public int version() {
        return version;
    }

    /** @return the metadata */
    public GgufMetadata metadata() {
        return metadata;
    }

    /** @return the alignment of tensor data */
    public int alignment() {
        return alignment;
    }

    /** @return absolute byte offset of the data section */
    public long dataOffset() {
        return dataOffset;
    }

    /** @return size of the file in bytes */
    public long fileSize() {
        return mapped.size();
    }

    /** @return tensor infos in file order */
    public List<GgufTensorInfo> tensorInfos() {
        return List.copyOf(tensorInfos.values());
    }

    /** @return tensor views in file order */
    public List<TensorView> tensors() {
        return List.copyOf(views.values());
    }

    /**
     * @param name a tensor name
     * @return whether the file has it
     */
    public boolean hasTensor(String name) {
        return views.containsKey(name);
    }

    /**
     * @param name a tensor name
     * @return a zero-copy view of the tensor
     * @throws ModelFormatException when the file has no such tensor
     */
    public TensorView tensor(String name) {
        TensorView v = views.get(name);
        if (v == null) {
            throw new ModelFormatException(mapped.path(), -1, name, "required tensor is missing");
        }
        return v;
    }

    /** @return the underlying mapping */
    public MappedFile mapping() {
        return mapped;
    }

    /** Unmaps the file; views taken from it become inaccessible. Closing twice is an error. */
    @Override
    public void close() {
        mapped.close();
    }

    /** Reads little-endian values with bounds checks that name the field. */
    private static final class GgufCursor {
        private static final int MAX_NESTING = 8;
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

        private void need(long bytes, String field) {
            if (bytes < 0 || pos + bytes > size || pos + bytes < pos) {
                throw new ModelFormatException(path, pos, field, "needs " + bytes + " bytes but the file ends at "
                        + size + " (truncated)");
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

        /** A u64 count of items each taking at least {@code minItemBytes}; rejects counts beyond the file. */
        long count(String field, long minItemBytes) {
            long at = pos;
            long n = u64(field);
            long remaining = size - pos;
            if (n < 0 || (minItemBytes > 0 && n > remaining / minItemBytes)) {
                throw new ModelFormatException(path, at, field, "count " + Long.toUnsignedString(n)
                        + " cannot fit in the " + remaining + " bytes left in the file");
            }
            return n;
        }

        String string(String field) {
            long at = pos;
            long len = u64(field + " length");
            if (len < 0 || len > size - pos) {
                throw new ModelFormatException(path, at, field, "string length " + Long.toUnsignedString(len)
                        + " runs past the end of the file at " + size);
            }
            if (len > Integer.MAX_VALUE - 16) {
                throw new ModelFormatException(path, at, field, "string length " + len + " is too large");
            }
            byte[] bytes = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }

        GgufMetadata.Entry value(String key) {
            long at = pos;
            int typeId = u32(key + " type");
            GgufValueType type = GgufValueType.fromId(Integer.toUnsignedLong(typeId));
            if (type == null) {
                throw new ModelFormatException(path, at, key, "unknown metadata value type "
                        + Integer.toUnsignedString(typeId) + " (expected 0..12)");
            }
            if (type == GgufValueType.ARRAY) {
                long elemAt = pos;
                GgufValueType elem = GgufValueType.fromId(Integer.toUnsignedLong(u32(key + " element type")));
                if (elem == null) {
                    throw new ModelFormatException(path, elemAt, key, "unknown array element type");
                }
                pos = elemAt;
                return new GgufMetadata.Entry(type, elem, array(key, 0));
            }
            return new GgufMetadata.Entry(type, null, scalar(type, key));
        }

        private Object scalar(GgufValueType type, String key) {
            if (type == GgufValueType.STRING) {
                return string(key);
            }
            need(type.minBytes(), key);
            long at = pos;
            Object v = switch (type) {
                case UINT8 -> (long) (seg.get(ValueLayout.JAVA_BYTE, pos) & 0xFF);
                case INT8 -> (long) seg.get(ValueLayout.JAVA_BYTE, pos);
                case UINT16 -> (long) (seg.get(LittleEndian.SHORT, pos) & 0xFFFF);
                case INT16 -> (long) seg.get(LittleEndian.SHORT, pos);
                case UINT32 -> Integer.toUnsignedLong(seg.get(LittleEndian.INT, pos));
                case INT32 -> (long) seg.get(LittleEndian.INT, pos);
                case FLOAT32 -> (double) seg.get(LittleEndian.FLOAT, pos);
                case BOOL -> {
                    int b = seg.get(ValueLayout.JAVA_BYTE, pos);
                    if (b != 0 && b != 1) {
                        throw new ModelFormatException(path, at, key, "expected a bool (0 or 1), found " + b);
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
                throw new ModelFormatException(path, at, key, "arrays nested deeper than " + MAX_NESTING);
            }
            GgufValueType elem = GgufValueType.fromId(Integer.toUnsignedLong(u32(key + " element type")));
            if (elem == null) {
                throw new ModelFormatException(path, at, key, "unknown array element type");
            }
            long n = count(key + " array length", elem.minBytes());
            int len = (int) n;
            if (n > Integer.MAX_VALUE - 16) {
                throw new ModelFormatException(path, at, key, "array of " + n + " elements is too large");
            }
            switch (elem) {
                case FLOAT32 -> {
                    float[] a = new float[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = seg.get(LittleEndian.FLOAT, pos);
                        pos += 4;
                    }
                    return a;
                }
                case FLOAT64 -> {
                    double[] a = new double[len];
                    for (int i = 0; i < len; i++) {
                        a[i] = seg.get(LittleEndian.DOUBLE, pos);
                        pos += 8;
                    }
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
                    List<String> a = new ArrayList<>(len);
                    for (int i = 0; i < len; i++) {
                        a.add(string(key + "[" + i + "]"));
                    }
                    return Collections.unmodifiableList(a);
                }
                case ARRAY -> {
                    List<Object> a = new ArrayList<>(len);
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

        GgufTensorInfo tensorInfo(long index, int alignment) {
            String name = string("tensor #" + index + " name");
            long dimsAt = pos;
            int nDims = u32(name + " n_dims");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw new ModelFormatException(path, dimsAt, name, "n_dims must be in [1, " + MAX_DIMS
                        + "], found " + Integer.toUnsignedString(nDims));
            }
            long[] shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long dimAt = pos;
                shape[d] = u64(name + " ne[" + d + "]");
                if (shape[d] <= 0) {
                    throw new ModelFormatException(path, dimAt, name, "dimension " + d + " must be > 0, found "
                            + Long.toUnsignedString(shape[d]));
                }
                try {
                    elements = Math.multiplyExact(elements, shape[d]);
                } catch (ArithmeticException e) {
                    throw new ModelFormatException(path, dimAt, name, "dimensions overflow 64 bits: "
                            + java.util.Arrays.toString(shape));
                }
            }
            long typeAt = pos;
            int typeId = u32(name + " type");
            QuantFormat format = QuantFormat.fromGgmlType(Integer.toUnsignedLong(typeId)).orElseThrow(() ->
                    new ModelFormatException(path, typeAt, name, "unknown tensor type "
                            + Integer.toUnsignedString(typeId)));
            if (shape[0] % format.blockSize() != 0) {
                throw new ModelFormatException(path, dimsAt, name, "row of " + shape[0] + " values is not a whole "
                        + "number of " + format + " blocks of " + format.blockSize());
            }
            long bytes;
            try {
                bytes = Math.multiplyExact(elements / format.blockSize(), (long) format.bytesPerBlock());
            } catch (ArithmeticException e) {
                throw new ModelFormatException(path, dimsAt, name, "tensor size overflows 64 bits");
            }
            long offAt = pos;
            long offset = u64(name + " offset");
            if (offset < 0 || offset % alignment != 0) {
                throw new ModelFormatException(path, offAt, name, "data offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            return new GgufTensorInfo(name, format, shape, offset, bytes);
        }
    }
}
