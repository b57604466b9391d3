package io.jinfer.loader.gguf;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a GGUF file (version 3 by default, or 2): metadata of every value type and tensors whose
 * bytes come from a {@code byte[]}, a {@link MemorySegment} or a {@link TensorData} callback that
 * streams them, so a large model never has to sit on the heap.
 *
 * <p>Every value and tensor is validated when it is added (value fits its type, duplicate keys and
 * names, shape against byte size), each with an {@link IllegalArgumentException} naming the key or
 * tensor. {@link #write(Path)} writes a temporary file beside the target and moves it into place
 * atomically, so a failure never leaves a partial file behind.
 *
 * <p>Metadata values use the Java representations {@link GgufMetadata} returns: integers as
 * {@code Long} (UINT64 as its raw bits), floats as {@code Double} (or {@code Float}), {@code Boolean},
 * {@code String}; arrays as {@code long[]} (or {@code int[]}) for integer elements, {@code float[]},
 * {@code double[]}, {@code boolean[]}, {@code List<String>}, and {@code List<Object>} for arrays of
 * arrays, whose items are arrays themselves or {@link TypedArray}s when their element type is not
 * the default one.
 */
public final class GgufWriter {
    /** The key that sets the alignment of tensor data. */
    public static final String ALIGNMENT_KEY = "general.alignment";

    /**
     * Streams one tensor's bytes.
     */
    @FunctionalInterface
    public interface TensorData {
        /**
         * Writes exactly the tensor's byte size to {@code out}; the writer checks the count.
         *
         * @param out where to write; buffered, must not be closed
         * @throws IOException when producing or writing the bytes fails
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * A nested array with an explicit element type, for arrays of arrays whose inner arrays are not
     * of the default type (the default is INT64 for {@code long[]}, INT32 for {@code int[]}).
     *
     * @param elementType the inner array's element type
     * @param values the inner array, in the same Java form as for {@link #putArray}
     */
    public record TypedArray(GgufValueType elementType, Object values) {
        /** Requires both parts. */
        public TypedArray {
            Objects.requireNonNull(elementType, "elementType");
            Objects.requireNonNull(values, "values");
        }
    }

    private record Tensor(String name, QuantFormat format, long[] shape, long byteSize, Object source) {}

    private int version = 3;
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;
    private final Map<String, byte[]> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    /** Creates an empty version-3 writer. */
    public GgufWriter() {}

    /**
     * Sets the GGUF version number written in the header (default 3).
     *
     * @param version 2 or 3 (the two differ only in the number; both are little-endian with 64-bit counts)
     * @return this
     */
    public GgufWriter version(int version) {
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("GGUF version must be 2 or 3, got " + version);
        }
        this.version = version;
        return this;
    }

    /**
     * Sets {@code general.alignment} (a UINT32) and aligns tensor data to it.
     *
     * @param alignment a power of two
     * @return this
     */
    public GgufWriter alignment(int alignment) {
        return putUint32(ALIGNMENT_KEY, alignment);
    }

    /**
     * Adds a UINT8 entry, an unsigned 8-bit integer.
     *
     * @param key a key not yet added
     * @param v the value, in [0, 255]
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit UINT8
     */
    public GgufWriter putUint8(String key, int v) {
        return put(key, GgufValueType.UINT8, (long) v);
    }

    /**
     * Adds an INT8 entry, a signed 8-bit integer.
     *
     * @param key a key not yet added
     * @param v the value, in [-128, 127]
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit INT8
     */
    public GgufWriter putInt8(String key, int v) {
        return put(key, GgufValueType.INT8, (long) v);
    }

    /**
     * Adds a UINT16 entry, an unsigned 16-bit integer.
     *
     * @param key a key not yet added
     * @param v the value, in [0, 65535]
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit UINT16
     */
    public GgufWriter putUint16(String key, int v) {
        return put(key, GgufValueType.UINT16, (long) v);
    }

    /**
     * Adds an INT16 entry, a signed 16-bit integer.
     *
     * @param key a key not yet added
     * @param v the value, in [-32768, 32767]
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit INT16
     */
    public GgufWriter putInt16(String key, int v) {
        return put(key, GgufValueType.INT16, (long) v);
    }

    /**
     * Adds a UINT32 entry, an unsigned 32-bit integer.
     *
     * @param key a key not yet added
     * @param v the value, in [0, 2^32)
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit UINT32
     */
    public GgufWriter putUint32(String key, long v) {
        return put(key, GgufValueType.UINT32, v);
    }

    /**
     * Adds an INT32 entry, a signed 32-bit integer.
     *
     * @param key a key not yet added
     * @param v the value, any {@code int}
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit INT32
     */
    public GgufWriter putInt32(String key, int v) {
        return put(key, GgufValueType.INT32, (long) v);
    }

    /**
     * Adds a UINT64 entry, an unsigned 64-bit integer.
     *
     * @param key a key not yet added
     * @param rawBits the unsigned value's 64 bits, so negative {@code long}s stand for values of 2^63 and above
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit UINT64
     */
    public GgufWriter putUint64(String key, long rawBits) {
        return put(key, GgufValueType.UINT64, rawBits);
    }

    /**
     * Adds an INT64 entry, a signed 64-bit integer.
     *
     * @param key a key not yet added
     * @param v the value, any {@code long}
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit INT64
     */
    public GgufWriter putInt64(String key, long v) {
        return put(key, GgufValueType.INT64, v);
    }

    /**
     * Adds a FLOAT32 entry, a 32-bit float.
     *
     * @param key a key not yet added
     * @param v the value
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit FLOAT32
     */
    public GgufWriter putFloat32(String key, float v) {
        return put(key, GgufValueType.FLOAT32, (double) v);
    }

    /**
     * Adds a FLOAT64 entry, a 64-bit float.
     *
     * @param key a key not yet added
     * @param v the value
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit FLOAT64
     */
    public GgufWriter putFloat64(String key, double v) {
        return put(key, GgufValueType.FLOAT64, v);
    }

    /**
     * Adds a BOOL entry, a boolean.
     *
     * @param key a key not yet added
     * @param v the value
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit BOOL
     */
    public GgufWriter putBool(String key, boolean v) {
        return put(key, GgufValueType.BOOL, v);
    }

    /**
     * Adds a STRING entry, a UTF-8 string.
     *
     * @param key a key not yet added
     * @param v the value, not {@code null}
     * @return this writer
     * @throws IllegalArgumentException when the key is taken or the value does not fit STRING
     */
    public GgufWriter putString(String key, String v) {
        return put(key, GgufValueType.STRING, v);
    }

    /**
     * Adds a scalar value.
     *
     * @param key a key not yet added
     * @param type any type but ARRAY
     * @param value in the Java form described on this class
     * @return this
     * @throws IllegalArgumentException when the key is taken or the value does not fit the type
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        return putEntry(key, type, null, value);
    }

    /**
     * Adds an array.
     *
     * @param key a key not yet added
     * @param elementType the type of the elements (ARRAY for arrays of arrays)
     * @param values in the Java form described on this class
     * @return this
     * @throws IllegalArgumentException when the key is taken or the values do not fit the type
     */
    public GgufWriter putArray(String key, GgufValueType elementType, Object values) {
        return putEntry(key, GgufValueType.ARRAY, elementType, values);
    }

    /**
     * Adds an entry as {@link GgufMetadata} returns it.
     *
     * @param key a key not yet added
     * @param entry the typed value
     * @return this
     */
    public GgufWriter put(String key, GgufMetadata.Entry entry) {
        return putEntry(key, entry.type(), entry.elementType(), entry.value());
    }

    /**
     * Copies every entry of another file's metadata.
     *
     * @param source metadata read from a file
     * @return this
     */
    public GgufWriter putAll(GgufMetadata source) {
        source.entries().forEach(this::put);
        return this;
    }

    private GgufWriter putEntry(String key, GgufValueType type, GgufValueType elementType, Object value) {
        Objects.requireNonNull(key, "metadata key");
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException(key + ": duplicate metadata key");
        }
        if (key.equals(ALIGNMENT_KEY)) {
            alignment = checkAlignment(type, value);
        }
        GgufValueEncoder enc = new GgufValueEncoder();
        enc.typedValue(key, type, elementType, value);
        metadata.put(key, enc.toByteArray());
        return this;
    }

    private static int checkAlignment(GgufValueType type, Object value) {
        if (type != GgufValueType.UINT32) {
            throw new IllegalArgumentException(ALIGNMENT_KEY + " must be a UINT32, not " + type);
        }
        if (!(value instanceof Number n) || value instanceof Double || value instanceof Float) {
            throw new IllegalArgumentException(ALIGNMENT_KEY + " must be an integer, found " + value);
        }
        long a = n.longValue();
        if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
            throw new IllegalArgumentException(ALIGNMENT_KEY + " must be a power of two up to 2^30, found " + a);
        }
        return (int) a;
    }

    /**
     * Adds a tensor from a byte array (kept by reference until written).
     *
     * @param name a name not yet added
     * @param format element format
     * @param shape 1 to 4 dimensions, fastest-varying first (ggml order)
     * @param data exactly the bytes the shape and format need
     * @return this
     */
    public GgufWriter addTensor(String name, QuantFormat format, long[] shape, byte[] data) {
        Objects.requireNonNull(data, "data");
        return add(name, format, shape, data.length, data);
    }

    /**
     * Adds a tensor from a memory segment (kept by reference until written; it must stay alive).
     *
     * @param name a name not yet added
     * @param format element format
     * @param shape 1 to 4 dimensions, fastest-varying first (ggml order)
     * @param data exactly the bytes the shape and format need
     * @return this
     */
    public GgufWriter addTensor(String name, QuantFormat format, long[] shape, MemorySegment data) {
        Objects.requireNonNull(data, "data");
        return add(name, format, shape, data.byteSize(), data);
    }

    /**
     * Adds a tensor whose bytes are streamed when the file is written.
     *
     * @param name a name not yet added
     * @param format element format
     * @param shape 1 to 4 dimensions, fastest-varying first (ggml order)
     * @param data writes exactly {@link TensorView#bytesFor} bytes
     * @return this
     */
    public GgufWriter addTensor(String name, QuantFormat format, long[] shape, TensorData data) {
        Objects.requireNonNull(data, "data");
        return add(name, format, shape, -1, data);
    }

    private GgufWriter add(String name, QuantFormat format, long[] shape, long given, Object source) {
        Objects.requireNonNull(name, "tensor name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(shape, "shape");
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException(name + ": duplicate tensor name");
        }
        long[] s = shape.clone();
        long bytes = expectedBytes(name, format, s);
        if (given >= 0 && given != bytes) {
            throw new IllegalArgumentException(name + ": " + format + Arrays.toString(s) + " needs " + bytes
                    + " bytes, but " + given + " were given");
        }
        tensors.put(name, new Tensor(name, format, s, bytes, source));
        return this;
    }

    private static long expectedBytes(String name, QuantFormat format, long[] shape) {
        if (shape.length < 1 || shape.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException(name + ": a tensor has 1 to " + GgufFile.MAX_DIMS
                    + " dimensions, found " + shape.length);
        }
        long elements = 1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] <= 0) {
                throw new IllegalArgumentException(name + ": dimension " + d + " must be > 0, found " + shape[d]);
            }
            try {
                elements = Math.multiplyExact(elements, shape[d]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(name + ": dimensions " + Arrays.toString(shape) + " overflow 64 bits");
            }
        }
        if (shape[0] % format.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": a row of " + shape[0] + " values is not a whole number of "
                    + format + " blocks of " + format.blockSize());
        }
        try {
            return TensorView.bytesFor(format, shape);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + ": tensor size overflows 64 bits");
        }
    }

    /**
     * Writes the file: a temporary file in the target's directory, moved over {@code target} only
     * when complete. On any failure the temporary file is deleted and {@code target} is untouched.
     * Tensor callbacks run again on every call.
     *
     * @param target the file to create or replace
     * @return the size of the file written, in bytes
     * @throws UncheckedIOException when writing fails (including a tensor callback writing the wrong count)
     */
    public long write(Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            keepPermissions(tmp, abs);
            long size;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                size = writeTo(ch);
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
            throw new UncheckedIOException("cannot write GGUF file " + abs + ": " + e.getMessage(), e);
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

    /**
     * Temporary files are created owner-only; give the result the permissions of the file it
     * replaces, or rw-r--r-- like an ordinary new file.
     */
    private static void keepPermissions(Path tmp, Path target) throws IOException {
        if (!Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        Set<PosixFilePermission> perms = Files.exists(target)
                ? Files.getPosixFilePermissions(target)
                : PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, perms);
    }

    private long writeTo(FileChannel ch) throws IOException {
        List<Long> offsets = new ArrayList<>();
        long next = 0;
        for (Tensor t : tensors.values()) {
            offsets.add(next);
            next = GgufFile.align(next + t.byteSize(), alignment);
        }
        GgufValueEncoder header = new GgufValueEncoder();
        header.u32(GgufFile.MAGIC);
        header.u32(version);
        header.u64(tensors.size());
        header.u64(metadata.size());
        metadata.forEach((key, value) -> {
            header.string(key);
            header.bytes(value);
        });
        int i = 0;
        for (Tensor t : tensors.values()) {
            header.string(t.name());
            header.u32(t.shape().length);
            for (long d : t.shape()) {
                header.u64(d);
            }
            header.u32(t.format().ggmlType());
            header.u64(offsets.get(i++));
        }
        long pos = writeFully(ch, ByteBuffer.wrap(header.toByteArray()));
        pos = pad(ch, pos);
        for (Tensor t : tensors.values()) {
            long start = pos;
            pos += switch (t.source()) {
                case byte[] b -> writeFully(ch, ByteBuffer.wrap(b));
                case MemorySegment m -> writeSegment(ch, m);
                case TensorData d -> stream(ch, t, d);
                default -> throw new IllegalStateException("unknown tensor source " + t.source().getClass());
            };
            if (pos - start != t.byteSize()) {
                throw new IOException(t.name() + ": wrote " + (pos - start) + " bytes, expected " + t.byteSize());
            }
            pos = pad(ch, pos);
        }
        return pos;
    }

    private static long stream(FileChannel ch, Tensor t, TensorData d) throws IOException {
        try (BoundedChannelOutput out = new BoundedChannelOutput(ch, t.byteSize())) {
            d.writeTo(out);
            out.flush();
            if (out.written() != t.byteSize()) {
                throw new IOException(t.name() + ": the callback wrote " + out.written() + " bytes, expected "
                        + t.byteSize());
            }
            return out.written();
        }
    }

    private long pad(FileChannel ch, long pos) throws IOException {
        long aligned = GgufFile.align(pos, alignment);
        if (aligned > pos) {
            writeFully(ch, ByteBuffer.allocate((int) (aligned - pos)));
        }
        return aligned;
    }

    /** In slices, because one ByteBuffer cannot view more than 2 GiB. */
    private static long writeSegment(FileChannel ch, MemorySegment m) throws IOException {
        long chunk = 1L << 30;
        for (long off = 0; off < m.byteSize(); off += chunk) {
            writeFully(ch, m.asSlice(off, Math.min(chunk, m.byteSize() - off)).asByteBuffer());
        }
        return m.byteSize();
    }

    static long writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        long n = b.remaining();
        while (b.hasRemaining()) {
            ch.write(b);
        }
        return n;
    }
}
