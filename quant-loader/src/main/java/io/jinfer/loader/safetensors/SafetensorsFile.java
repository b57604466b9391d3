package io.jinfer.loader.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jinfer.api.ModelFormatException;
import io.jinfer.memory.MappedFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code .safetensors} file, memory-mapped once and validated completely at open: an 8-byte
 * little-endian header length, a JSON header naming each tensor's {@code dtype}, {@code shape} and
 * {@code data_offsets} (relative to the end of the header), an optional {@code __metadata__} map of
 * strings, then the data. Every range is checked against the file and against its shape and type,
 * and no two tensors may share bytes, so a truncated or corrupt file fails here with a
 * {@link ModelFormatException} that names the file, the byte offset and the field.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header accepted, as the reference implementation limits it (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Key of the optional string-to-string metadata map. */
    public static final String METADATA_KEY = "__metadata__";

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper(JSON);
    private static final ValueLayout.OfLong LE_LONG =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MappedFile mapped;
    private final Map<String, String> metadata;
    private final Map<String, SafetensorsTensor> tensors;
    private final long dataOffset;

    private SafetensorsFile(MappedFile mapped, Map<String, String> metadata, Map<String, SafetensorsTensor> tensors,
            long dataOffset) {
        this.mapped = mapped;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.dataOffset = dataOffset;
    }

    /**
     * Maps and validates a safetensors file.
     *
     * @param path the file
     * @return the open file
     * @throws ModelFormatException when the file is malformed or truncated
     * @throws UncheckedIOException when it cannot be read
     */
    public static SafetensorsFile open(Path path) {
        MappedFile mapped = MappedFile.open(path);
        try {
            return parse(mapped);
        } catch (RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    /** A tensor entry as read from the header, before its bytes are sliced. */
    private record Entry(String name, long at, SafetensorsDtype dtype, long[] shape, long begin, long end) {}

    private static SafetensorsFile parse(MappedFile mapped) {
        Path path = mapped.path();
        MemorySegment seg = mapped.segment();
        long size = seg.byteSize();
        if (size < 8) {
            throw new ModelFormatException(path, 0, "header length", "expected an 8-byte header length, found a file of "
                    + size + " bytes (truncated or not a safetensors file)");
        }
        long headerLength = seg.get(LE_LONG, 0);
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
            throw new ModelFormatException(path, 0, "header length", "expected 2 to " + MAX_HEADER_BYTES
                    + " bytes of JSON, found " + Long.toUnsignedString(headerLength) + " (not a safetensors file?)");
        }
        if (headerLength > size - 8) {
            throw new ModelFormatException(path, 0, "header length", "the header needs " + headerLength
                    + " bytes after the length, but the file has only " + (size - 8) + " (truncated)");
        }
        byte[] header = seg.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        long dataOffset = 8 + headerLength;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        try (JsonParser p = JSON.createParser(header)) {
            readHeader(path, p, metadata, entries);
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : 8 + Math.max(0, e.getLocation().getByteOffset());
            throw new ModelFormatException(path, at, "header", "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the header of " + path, e);
        }
        long dataSize = size - dataOffset;
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (e.end > dataSize) {
                throw new ModelFormatException(path, e.at, e.name + " data_offsets", "expected the tensor's bytes ["
                        + e.begin + ", " + e.end + ") inside the " + dataSize + " data bytes (truncated or corrupt)");
            }
            tensors.put(e.name, new SafetensorsTensor(e.name, e.dtype, e.shape,
                    seg.asSlice(dataOffset + e.begin, e.end - e.begin), path));
        }
        checkOverlaps(path, entries);
        return new SafetensorsFile(mapped, metadata, tensors, dataOffset);
    }

    private static void readHeader(Path path, JsonParser p, Map<String, String> metadata, List<Entry> entries)
            throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new ModelFormatException(path, at(p), "header", "expected a JSON object, found " + p.currentToken());
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            long at = at(p);
            if (!seen.add(name)) {
                throw new ModelFormatException(path, at, name, "expected unique tensor names, found a duplicate");
            }
            p.nextToken();
            JsonNode value = MAPPER.readTree(p);
            if (name.equals(METADATA_KEY)) {
                readMetadata(path, at, value, metadata);
            } else {
                entries.add(entry(path, name, at, value));
            }
        }
        if (p.nextToken() != null) {
            throw new ModelFormatException(path, at(p), "header", "expected the end of the JSON after the header object, found "
                    + p.currentToken());
        }
    }

    private static long at(JsonParser p) {
        long b = p.currentTokenLocation().getByteOffset();
        return b < 0 ? -1 : 8 + b;
    }

    private static void readMetadata(Path path, long at, JsonNode value, Map<String, String> metadata) {
        if (!value.isObject()) {
            throw new ModelFormatException(path, at, METADATA_KEY, "expected an object of strings, found " + value.getNodeType());
        }
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(path, at, METADATA_KEY + "." + e.getKey(),
                        "expected a string, found " + e.getValue().getNodeType());
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static Entry entry(Path path, String name, long at, JsonNode v) {
        if (!v.isObject()) {
            throw new ModelFormatException(path, at, name, "expected an object with dtype, shape and data_offsets, found "
                    + v.getNodeType());
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new ModelFormatException(path, at, name + " dtype", "expected a type name, found " + describe(dt));
        }
        SafetensorsDtype dtype = SafetensorsDtype.byName(dt.textValue()).orElseThrow(() -> new ModelFormatException(
                path, at, name + " dtype", "unknown type \"" + dt.textValue() + "\""));
        if (!dtype.isReadable()) {
            throw new ModelFormatException(path, at, name + " dtype", "type " + dtype
                    + " packs values in less than a byte and is not supported");
        }
        long[] shape = longs(path, at, name + " shape", v.get("shape"), -1);
        long[] offsets = longs(path, at, name + " data_offsets", v.get("data_offsets"), 2);
        if (offsets[1] < offsets[0]) {
            throw new ModelFormatException(path, at, name + " data_offsets", "expected begin <= end, found ["
                    + offsets[0] + ", " + offsets[1] + "]");
        }
        long bytes;
        try {
            bytes = dtype.bytes();
            for (long d : shape) {
                bytes = Math.multiplyExact(bytes, d);
            }
        } catch (ArithmeticException e) {
            throw new ModelFormatException(path, at, name + " shape", "shape " + java.util.Arrays.toString(shape)
                    + " of " + dtype + " overflows a 64-bit size");
        }
        if (offsets[1] - offsets[0] != bytes) {
            throw new ModelFormatException(path, at, name + " data_offsets", "shape " + java.util.Arrays.toString(shape)
                    + " of " + dtype + " needs " + bytes + " bytes, but the offsets [" + offsets[0] + ", " + offsets[1]
                    + ") span " + (offsets[1] - offsets[0]));
        }
        return new Entry(name, at, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] longs(Path path, long at, String field, JsonNode v, int count) {
        if (v == null || !v.isArray() || (count >= 0 && v.size() != count)) {
            throw new ModelFormatException(path, at, field, "expected an array of "
                    + (count >= 0 ? count + " " : "") + "non-negative integers, found " + describe(v));
        }
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = v.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToLong() || x.longValue() < 0) {
                throw new ModelFormatException(path, at, field, "expected non-negative integers, found " + v);
            }
            out[i] = x.longValue();
        }
        return out;
    }

    private static String describe(JsonNode v) {
        return v == null ? "nothing" : v.toString();
    }

    private static void checkOverlaps(Path path, List<Entry> entries) {
        List<Entry> byBegin = new ArrayList<>(entries);
        byBegin.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        Entry previous = null;
        for (Entry e : byBegin) {
            if (e.begin == e.end) {
                continue;
            }
            if (previous != null && previous.end > e.begin) {
                throw new ModelFormatException(path, e.at, e.name + " data_offsets", "expected data after tensor "
                        + previous.name + ", which ends at " + previous.end + ", found it starting at " + e.begin
                        + " (overlapping tensors)");
            }
            previous = e;
        }
    }

    /**
     * Returns the path the file was opened from.
     *
     * @return the file's path
     */
    public Path path() {
        return mapped.path();
    }

    /**
     * Returns the {@code __metadata__} map.
     *
     * @return the metadata, empty when the header has none
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Returns where the data section starts: 8 plus the header length.
     *
     * @return absolute offset of the first data byte
     */
    public long dataOffset() {
        return dataOffset;
    }

    /**
     * Returns the tensor names in header order.
     *
     * @return the names
     */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /**
     * Tells whether the file has a tensor of this name.
     *
     * @param name a tensor name
     * @return whether it is present
     */
    public boolean hasTensor(String name) {
        return tensors.containsKey(name);
    }

    /**
     * Returns a required tensor, a zero-copy slice of the mapping.
     *
     * @param name the tensor's name
     * @return the tensor
     * @throws ModelFormatException when it is missing
     * @throws IllegalStateException when the file is closed
     */
    public SafetensorsTensor tensor(String name) {
        ensureOpen();
        SafetensorsTensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(path(), -1, name, "required tensor is missing");
        }
        return t;
    }

    /**
     * Returns every tensor in header order.
     *
     * @return the tensors
     * @throws IllegalStateException when the file is closed
     */
    public List<SafetensorsTensor> tensors() {
        ensureOpen();
        return List.copyOf(tensors.values());
    }

    /**
     * Tells whether the file was closed.
     *
     * @return whether {@link #close()} was called
     */
    public boolean isClosed() {
        return mapped.isClosed();
    }

    /**
     * Unmaps the file; tensors taken from it can no longer be read (access throws
     * {@link IllegalStateException}, never a crash).
     *
     * @throws IllegalStateException when already closed
     */
    @Override
    public void close() {
        if (mapped.isClosed()) {
            throw new IllegalStateException("safetensors file " + path() + " is already closed");
        }
        mapped.close();
    }

    private void ensureOpen() {
        if (mapped.isClosed()) {
            throw new IllegalStateException("safetensors file " + path() + " is closed; its tensors are unmapped");
        }
    }
}
