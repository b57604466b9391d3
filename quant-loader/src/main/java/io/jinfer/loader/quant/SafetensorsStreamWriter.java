package io.jinfer.loader.quant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jinfer.loader.safetensors.SafetensorsDtype;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code .safetensors} file whose tensors are produced one after the other while the file
 * is written, so that only one tensor is ever in memory: the header is computed from the declared
 * types and shapes first (padded with spaces to 8 bytes, as the reference writer does), then each
 * tensor's producer writes exactly its bytes.
 */
final class SafetensorsStreamWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Produces a tensor's bytes. */
    @FunctionalInterface
    interface Producer {
        /**
         * @param out where to write exactly the tensor's bytes
         * @throws IOException when writing fails
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * One tensor of the file.
     *
     * @param name its name
     * @param dtype element type
     * @param shape dimensions, slowest-varying first (empty for a scalar)
     * @param producer writes its bytes
     */
    record Entry(String name, SafetensorsDtype dtype, long[] shape, Producer producer) {

        /** @return the bytes the shape and type need */
        long bytes() {
            long n = dtype.bytes();
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    private SafetensorsStreamWriter() {}

    /**
     * Writes a file.
     *
     * @param target the file to create
     * @param metadata the {@code __metadata__} entries
     * @param entries the tensors in file order
     * @return the size of the file
     * @throws IOException when writing fails or a producer writes the wrong number of bytes
     */
    static long write(Path target, Map<String, String> metadata, List<Entry> entries) throws IOException {
        byte[] json = header(metadata, entries).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        try (CountingStream out = new CountingStream(new BufferedOutputStream(Files.newOutputStream(target), 1 << 20))) {
            out.write(head.array());
            for (Entry e : entries) {
                long before = out.count;
                e.producer().writeTo(out);
                if (out.count - before != e.bytes()) {
                    throw new IOException(e.name() + ": wrote " + (out.count - before) + " bytes, expected "
                            + e.bytes() + " for " + e.dtype() + Arrays.toString(e.shape()));
                }
            }
            return out.count;
        }
    }

    private static String header(Map<String, String> metadata, List<Entry> entries) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode md = root.putObject("__metadata__");
            metadata.forEach(md::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode n = root.putObject(e.name());
            n.put("dtype", e.dtype().name());
            var shape = n.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            long end = offset + e.bytes();
            n.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot encode a safetensors header", ex);
        }
    }

    /** Counts what passes through, to check each producer. */
    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
