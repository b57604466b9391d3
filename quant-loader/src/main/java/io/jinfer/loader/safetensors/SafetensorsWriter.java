package io.jinfer.loader.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@code .safetensors} file: tensors are laid out back to back in the order they are added,
 * and the JSON header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
 * The file is written to a temporary file beside the target and moved into place, so a reader never
 * sees half a file.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private record Pending(String name, SafetensorsDtype dtype, long[] shape, MemorySegment data) {}

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** Creates an empty writer. */
    public SafetensorsWriter() {}

    /**
     * Adds an entry to {@code __metadata__}.
     *
     * @param key the key
     * @param value the value
     * @return this writer
     */
    public SafetensorsWriter putMetadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds a tensor.
     *
     * @param name the tensor's name, unique in the file
     * @param dtype element type
     * @param shape dimensions, slowest-varying first (PyTorch order)
     * @param data exactly the bytes the shape and type need (read when {@link #write} runs)
     * @return this writer
     * @throws IllegalArgumentException when the name repeats or the size does not match
     */
    public SafetensorsWriter add(String name, SafetensorsDtype dtype, long[] shape, MemorySegment data) {
        if (name.equals(SafetensorsFile.METADATA_KEY) || !names.add(name)) {
            throw new IllegalArgumentException("tensor name " + name + " is reserved or already used");
        }
        if (!dtype.isReadable()) {
            throw new IllegalArgumentException("cannot write sub-byte type " + dtype);
        }
        long bytes = dtype.bytes();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            bytes = Math.multiplyExact(bytes, d);
        }
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("tensor " + name + " " + dtype + Arrays.toString(shape) + " needs "
                    + bytes + " bytes, got " + data.byteSize());
        }
        tensors.add(new Pending(name, dtype, shape.clone(), data));
        return this;
    }

    /**
     * Adds a tensor from a byte array.
     *
     * @param name the tensor's name
     * @param dtype element type
     * @param shape dimensions, slowest-varying first
     * @param data little-endian bytes of the elements
     * @return this writer
     */
    public SafetensorsWriter add(String name, SafetensorsDtype dtype, long[] shape, byte[] data) {
        return add(name, dtype, shape, MemorySegment.ofArray(data.clone()));
    }

    /**
     * Adds an F32 tensor.
     *
     * @param name the tensor's name
     * @param shape dimensions, slowest-varying first
     * @param values the elements in row-major order
     * @return this writer
     */
    public SafetensorsWriter addF32(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return add(name, SafetensorsDtype.F32, shape, MemorySegment.ofArray(b.array()));
    }

    /**
     * Returns the header this writer would write, without padding.
     *
     * @return the JSON header
     */
    public String headerJson() {
        ObjectNode root = MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode md = root.putObject(SafetensorsFile.METADATA_KEY);
            metadata.forEach(md::put);
        }
        long offset = 0;
        for (Pending t : tensors) {
            ObjectNode n = root.putObject(t.name);
            n.put("dtype", t.dtype.name());
            var shape = n.putArray("shape");
            for (long d : t.shape) {
                shape.add(d);
            }
            long end = offset + t.data.byteSize();
            n.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a safetensors header", e);
        }
    }

    /**
     * Writes the file atomically.
     *
     * @param target the file to create or replace
     * @return the size of the file in bytes
     * @throws UncheckedIOException when it cannot be written
     */
    public long write(Path target) {
        byte[] json = headerJson().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        Path abs = target.toAbsolutePath();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
            if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
                // Temporary files are owner-only; the result should read like any new file.
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            long size;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (head.hasRemaining()) {
                    ch.write(head);
                }
                for (Pending t : tensors) {
                    ByteBuffer b = t.data.asByteBuffer();
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
                size = ch.size();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            return size;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write safetensors file " + abs + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The original failure matters more than a leftover temporary file.
                }
            }
        }
    }
}
