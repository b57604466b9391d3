package io.jinfer.loader.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * The stream a {@link GgufWriter.TensorData} callback writes into: buffered into the file channel,
 * and refusing to take more than the tensor's size so a wrong callback fails at once.
 */
final class BoundedChannelOutput extends OutputStream {
    private final FileChannel ch;
    private final long limit;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    private long written;

    BoundedChannelOutput(FileChannel ch, long limit) {
        this.ch = ch;
        this.limit = limit;
    }

    long written() {
        return written;
    }

    private void reserve(int n) throws IOException {
        if (written + n > limit) {
            throw new IOException("tensor callback wrote more than the tensor's " + limit + " bytes");
        }
        written += n;
    }

    @Override
    public void write(int b) throws IOException {
        reserve(1);
        if (!buf.hasRemaining()) {
            drain();
        }
        buf.put((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        reserve(len);
        while (len > 0) {
            if (!buf.hasRemaining()) {
                drain();
            }
            int n = Math.min(len, buf.remaining());
            buf.put(b, off, n);
            off += n;
            len -= n;
        }
    }

    private void drain() throws IOException {
        buf.flip();
        GgufWriter.writeFully(ch, buf);
        buf.clear();
    }

    @Override
    public void flush() throws IOException {
        drain();
    }

    @Override
    public void close() throws IOException {
        // The channel belongs to the writer; only pending bytes are pushed out.
        drain();
    }
}
