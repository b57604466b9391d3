package io.jinfer.loader.gguf;

import io.jinfer.api.ModelFormatException;
import io.jinfer.api.spi.TensorView;
import io.jinfer.memory.MappedFile;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
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
        return open(path, false);
    }

    /**
     * Maps and validates a GGUF file, optionally starting to map its pages in the background at once
     * ({@link MappedFile#populateInBackground()}), while the metadata is parsed: for loading a model
     * to run, whose first token reads every weight.
     *
     * @param path the file
     * @param populate whether to populate the mapping in the background
     * @return the open file
     * @throws ModelFormatException when the file is not valid GGUF or is truncated
     * @throws UncheckedIOException when it cannot be read
     */
    public static GgufFile open(Path path, boolean populate) {
        MappedFile mapped = MappedFile.open(path);
        if (populate) {
            mapped.populateInBackground();
        }
        try {
            return parse(mapped);
        } catch (RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    private static GgufFile parse(MappedFile mapped) {
        Path path = mapped.path();
        GgufCursor in = new GgufCursor(path, mapped.segment());
        int magic = in.u32("magic");
        if (magic != MAGIC) {
            throw new ModelFormatException(path, 0, "magic",
                    String.format("expected \"GGUF\" (0x%08x), found 0x%08x: not a GGUF file", MAGIC, magic));
        }
        long versionAt = in.position();
        int version = in.u32("version");
        if (version == 1) {
            throw new ModelFormatException(path, versionAt, "version",
                    "expected 2 or 3, found 1 (GGUF version 1 is not supported; convert the file with a newer llama.cpp)");
        }
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? " (a big-endian GGUF file; only little-endian files are supported)" : "";
            throw new ModelFormatException(path, versionAt, "version",
                    "expected 2 or 3, found " + Integer.toUnsignedString(version) + hint);
        }
        // Smallest possible entries: a tensor has an empty name, one dimension, type and offset;
        // a key/value pair an empty key, a type and a one-byte value.
        long tensorCount = in.count("tensor_count", 8 + 4 + 8 + 4 + 8);
        long kvCount = in.count("metadata_kv_count", 8 + 4 + 1);

        Map<String, GgufMetadata.Entry> entries = new LinkedHashMap<>();
        long alignmentAt = -1;
        for (long i = 0; i < kvCount; i++) {
            long keyAt = in.position();
            String key = in.string("metadata key #" + i);
            if (entries.containsKey(key)) {
                throw new ModelFormatException(path, keyAt, key, "expected unique metadata keys, found a duplicate");
            }
            if (key.equals(GgufWriter.ALIGNMENT_KEY)) {
                alignmentAt = in.position();
            }
            entries.put(key, in.value(key));
        }
        GgufMetadata metadata = new GgufMetadata(path, entries);
        int alignment = alignment(path, entries.get(GgufWriter.ALIGNMENT_KEY), alignmentAt);

        Map<String, GgufTensorInfo> infos = new LinkedHashMap<>();
        Map<String, Long> offsetFields = new HashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufCursor.TensorEntry t = in.tensorInfo(i, alignment);
            String name = t.info().name();
            if (infos.putIfAbsent(name, t.info()) != null) {
                throw new ModelFormatException(path, t.nameAt(), name,
                        "expected unique tensor names, found a duplicate (tensor #" + i + ")");
            }
            offsetFields.put(name, t.offsetAt());
        }

        long dataOffset = align(in.position(), alignment);
        long fileSize = mapped.size();
        if (!infos.isEmpty() && dataOffset > fileSize) {
            throw new ModelFormatException(path, fileSize, "tensor data", "expected the data section at "
                    + dataOffset + ", found the end of the file at " + fileSize + " (truncated)");
        }
        checkTensorBounds(path, infos, offsetFields, dataOffset, fileSize);
        return new GgufFile(mapped, version, metadata, infos, dataOffset, alignment);
    }

    private static int alignment(Path path, GgufMetadata.Entry entry, long at) {
        if (entry == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (entry.type() != GgufValueType.UINT32) {
            throw new ModelFormatException(path, at, GgufWriter.ALIGNMENT_KEY,
                    "expected a UINT32, found " + entry.type());
        }
        long a = (Long) entry.value();
        if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
            // The value itself sits after its 4-byte type.
            throw new ModelFormatException(path, at + 4, GgufWriter.ALIGNMENT_KEY,
                    "expected a power of two from 1 to 2^30, found " + a);
        }
        return (int) a;
    }

    /** Every tensor's data must lie inside the file and no two may share bytes. */
    private static void checkTensorBounds(Path path, Map<String, GgufTensorInfo> infos, Map<String, Long> offsetFields,
            long dataOffset, long fileSize) {
        List<GgufTensorInfo> byOffset = new ArrayList<>(infos.values());
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        GgufTensorInfo previous = null;
        for (GgufTensorInfo t : byOffset) {
            long at = offsetFields.get(t.name());
            long start = dataOffset + t.offset();
            long end = start + t.byteSize();
            if (start < dataOffset || end < start || end > fileSize) {
                throw new ModelFormatException(path, at, t.name() + " offset", "expected the tensor's "
                        + t.byteSize() + " bytes inside the file, found them at [" + Long.toUnsignedString(start)
                        + ", " + Long.toUnsignedString(end) + ") past its end at " + fileSize + " (truncated or corrupt)");
            }
            if (previous != null && previous.offset() + previous.byteSize() > t.offset()) {
                throw new ModelFormatException(path, at, t.name() + " offset", "expected data after tensor "
                        + previous.name() + ", which ends at " + (dataOffset + previous.offset() + previous.byteSize())
                        + ", found it starting at " + start + " (overlapping tensors)");
            }
            previous = t;
        }
    }

    static long align(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    /**
     * Returns the path the file was opened from.
     *
     * @return the path of the file
     */
    public Path path() {
        return mapped.path();
    }

    /**
     * Returns the format version in the file's header.
     *
     * @return the GGUF version, 2 or 3
     */
    public int version() {
        return version;
    }

    /**
     * Returns the file's key/value metadata.
     *
     * @return the metadata, in file order
     */
    public GgufMetadata metadata() {
        return metadata;
    }

    /**
     * Returns the alignment of tensor data: {@code general.alignment}, or 32 when the file does not set it.
     *
     * @return the alignment of tensor data, in bytes
     */
    public int alignment() {
        return alignment;
    }

    /**
     * Returns where tensor data starts; tensor offsets are relative to it.
     *
     * @return absolute byte offset of the data section
     */
    public long dataOffset() {
        return dataOffset;
    }

    /**
     * Returns the size of the mapped file.
     *
     * @return size of the file in bytes
     */
    public long fileSize() {
        return mapped.size();
    }

    /**
     * Returns the tensor table: names, formats, shapes and offsets, without touching the data.
     *
     * @return tensor infos in file order
     */
    public List<GgufTensorInfo> tensorInfos() {
        return List.copyOf(tensorInfos.values());
    }

    /**
     * Returns zero-copy views of every tensor, backed by the mapping.
     *
     * @return tensor views in file order
     * @throws IllegalStateException when the file is closed
     */
    public List<TensorView> tensors() {
        ensureOpen();
        return List.copyOf(views.values());
    }

    /**
     * Tells whether the file has a tensor of this name.
     *
     * @param name a tensor name
     * @return whether the file has it
     */
    public boolean hasTensor(String name) {
        return views.containsKey(name);
    }

    /**
     * Returns a required tensor as a zero-copy view of the mapped file.
     *
     * @param name a tensor name
     * @return a zero-copy view of the tensor
     * @throws ModelFormatException when the file has no such tensor
     * @throws IllegalStateException when the file is closed
     */
    public TensorView tensor(String name) {
        ensureOpen();
        TensorView v = views.get(name);
        if (v == null) {
            throw new ModelFormatException(mapped.path(), -1, name, "required tensor is missing");
        }
        return v;
    }

    /**
     * Returns the memory mapping, for callers that read raw bytes.
     *
     * @return the underlying mapping
     */
    public MappedFile mapping() {
        return mapped;
    }

    /**
     * Unmaps the file; views taken from it become inaccessible (access throws
     * {@link IllegalStateException}, never a crash).
     *
     * @throws IllegalStateException when already closed
     */
    @Override
    public void close() {
        if (mapped.isClosed()) {
            throw new IllegalStateException("GGUF file " + mapped.path() + " is already closed");
        }
        mapped.close();
    }

    /**
     * Tells whether the file was closed, after which its views can no longer be read.
     *
     * @return whether {@link #close()} was called
     */
    public boolean isClosed() {
        return mapped.isClosed();
    }

    private void ensureOpen() {
        if (mapped.isClosed()) {
            throw new IllegalStateException("GGUF file " + mapped.path() + " is closed; its tensors are unmapped");
        }
    }
}
