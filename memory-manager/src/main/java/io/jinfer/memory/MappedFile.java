package io.jinfer.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A whole file mapped read-only into memory once, owned by a shared {@link Arena}. Closing unmaps it;
 * any later access to a segment from it throws {@link IllegalStateException} instead of crashing.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    /**
     * Maps a file read-only. An empty file gives an empty segment that obeys the same lifetime.
     *
     * @param path the file
     * @return the mapping
     * @throws UncheckedIOException when the file is missing, not a regular file, unreadable or cannot be mapped;
     *     the message names the file and the reason
     */
    public static MappedFile open(Path path) {
        if (Files.isDirectory(path)) {
            String msg = "cannot map " + path + ": it is a directory, not a file";
            throw new UncheckedIOException(msg, new IOException(msg));
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment seg = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new MappedFile(path, arena, seg);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new UncheckedIOException("cannot map " + path + ": the file does not exist", e);
        } catch (AccessDeniedException e) {
            arena.close();
            throw new UncheckedIOException("cannot map " + path + ": permission denied", e);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot map " + path + ": " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Returns the path the file was mapped from.
     *
     * @return the file's path
     */
    public Path path() {
        return path;
    }

    /**
     * Returns the mapping of the whole file; slices of it are the zero-copy tensor views.
     *
     * @return the whole file as a read-only segment
     * @throws IllegalStateException when the file has been closed
     */
    public MemorySegment segment() {
        if (closed.get()) {
            throw new IllegalStateException(path + " is closed; its mapping is gone");
        }
        return segment;
    }

    /**
     * Returns the length of the mapped file.
     *
     * @return the file size in bytes (still known after closing)
     */
    public long size() {
        return segment.byteSize();
    }

    /**
     * Tells whether the mapping was released; segments taken from it can no longer be read.
     *
     * @return whether {@link #close()} was called
     */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Unmaps the file.
     *
     * @throws IllegalStateException when already closed
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            throw new IllegalStateException(path + " is already unmapped");
        }
        arena.close();
    }
}
