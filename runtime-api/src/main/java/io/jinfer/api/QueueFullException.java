package io.jinfer.api;

/** Thrown by {@link GenerationScheduler#submit} when its bounded queue holds as many requests as allowed. */
public final class QueueFullException extends JinferException {

    private static final long serialVersionUID = 1L;

    private final int capacity;

    /**
     * Creates the exception.
     *
     * @param capacity the queue's capacity
     */
    public QueueFullException(int capacity) {
        super("the request queue is full (" + capacity + " requests wait); retry later");
        this.capacity = capacity;
    }

    /**
     * Returns the capacity of the queue that was full.
     *
     * @return the queue capacity
     */
    public int capacity() {
        return capacity;
    }
}
