package io.jinfer.memory;

import io.jinfer.api.BudgetExceededException;

/**
 * A byte budget, optionally nested in a parent budget: a reservation is charged to this budget and
 * every ancestor before memory is allocated, and fails as a whole when any of them would overrun.
 * Thread-safe.
 */
public final class MemoryBudget {
    private final String name;
    private final long limit;
    private final MemoryBudget parent;
    private long used;

    /**
     * Creates a budget; reservations from it are also charged to {@code parent}, so a session budget
     * can sit inside a runtime budget.
     *
     * @param name shown in errors
     * @param limitBytes the most bytes this budget grants
     * @param parent the enclosing budget, or null
     */
    public MemoryBudget(String name, long limitBytes, MemoryBudget parent) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("budget limit must be > 0, got " + limitBytes);
        }
        this.name = name;
        this.limit = limitBytes;
        this.parent = parent;
    }

    /**
     * Charges {@code bytes} to this budget and its ancestors.
     *
     * @param bytes bytes to reserve
     * @param what what they are for (for the error message)
     * @return a reservation; close it to give the bytes back
     * @throws BudgetExceededException when this budget or an ancestor has too little left
     */
    public Reservation reserve(long bytes, String what) {
        if (bytes < 0) {
            throw new IllegalArgumentException("cannot reserve " + bytes + " bytes");
        }
        take(bytes, what);
        return new Reservation(this, bytes);
    }

    private void take(long bytes, String what) {
        synchronized (this) {
            if (bytes > limit - used) {
                throw new BudgetExceededException(name, what, bytes, limit - used);
            }
            used += bytes;
        }
        if (parent != null) {
            try {
                parent.take(bytes, what);
            } catch (RuntimeException e) {
                give(bytes, false);
                throw e;
            }
        }
    }

    private void give(long bytes, boolean upwards) {
        synchronized (this) {
            used -= bytes;
        }
        if (upwards && parent != null) {
            parent.give(bytes, true);
        }
    }

    /**
     * Returns how many bytes are reserved from this budget now (including those of child budgets).
     *
     * @return bytes reserved now
     */
    public synchronized long used() {
        return used;
    }

    /**
     * Returns the most bytes this budget grants.
     *
     * @return the limit, in bytes
     */
    public long limit() {
        return limit;
    }

    /**
     * Returns the name used in error messages.
     *
     * @return the budget's name
     */
    public String name() {
        return name;
    }

    /** Bytes held from a budget until closed. Closing twice is harmless. */
    public static final class Reservation implements AutoCloseable {
        private final MemoryBudget budget;
        private final long bytes;
        private boolean released;

        private Reservation(MemoryBudget budget, long bytes) {
            this.budget = budget;
            this.bytes = bytes;
        }

        /**
         * Returns the size of this reservation.
         *
         * @return bytes held
         */
        public long bytes() {
            return bytes;
        }

        @Override
        public synchronized void close() {
            if (!released) {
                released = true;
                budget.give(bytes, true);
            }
        }
    }
}
