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
    /** Bytes populated per step, so that closing waits at most one step. */
    private static final long POPULATE_STEP = 32L << 20;
    private volatile boolean stopPopulating;
    private Thread populator;

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
     * Starts mapping the whole file into this process on a background daemon thread, so that the
     * first pass over the weights (the first token) does not take one page fault per 4 KiB: on
     * Linux with {@code madvise(MADV_POPULATE_READ)}, a step of a few tens of MiB at a time, else with
     * {@link MemorySegment#load()}. A file not yet in the page cache is read from disk in the
     * background the same way. Resident memory ends where the first token takes it anyway, since
     * every weight is read for each token. Calling it again, or after {@link #close()}, does nothing.
     */
    public synchronized void populateInBackground() {
        if (populator != null || closed.get() || segment.byteSize() == 0) {
            return;
        }
        populator = Thread.ofPlatform().daemon().name("jinfer-populate").start(this::populate);
    }

    /**
     * Waits for a background population to end (tests and diagnostics).
     *
     * @param millis how long to wait at most
     * @return whether no population is running any more
     * @throws InterruptedException when interrupted while waiting
     */
    boolean awaitPopulation(long millis) throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = populator;
        }
        if (t != null) {
            t.join(millis);
            return !t.isAlive();
        }
        return true;
    }

    private void populate() {
        try {
            PageAdvice.willNeed(segment);
            long size = segment.byteSize();
            for (long at = 0; at < size && !stopPopulating; at += POPULATE_STEP) {
                MemorySegment step = segment.asSlice(at, Math.min(POPULATE_STEP, size - at));
                if (!PageAdvice.populateRead(step)) {
                    // the JDK's own page-by-page touch of a mapped range
                    step.load();
                }
            }
        } catch (IllegalStateException e) {
            // the mapping was closed under us: nothing left to populate
        }
    }

    /**
     * Unmaps the file, after stopping a background population (at most one step).
     *
     * @throws IllegalStateException when already closed
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            throw new IllegalStateException(path + " is already unmapped");
        }
        stopPopulating = true;
        Thread t;
        synchronized (this) {
            t = populator;
        }
        if (t != null) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        arena.close();
    }
}
