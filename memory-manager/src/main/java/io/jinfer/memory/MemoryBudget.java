package io.jinfer.memory;

import io.jinfer.api.BudgetExceededException;
import java.util.Objects;

/**
 * A byte budget in a hierarchy, as jinfer uses them: device → runtime → model → session (tenant).
 * Every allocation is charged before it is made: {@link #reserve} charges this budget and every
 * ancestor, and fails as a whole (nothing charged anywhere) when any of them would overrun, with a
 * {@link BudgetExceededException} naming that budget, the bytes asked for and the bytes left.
 *
 * <p>Children come in two kinds. A {@link #child shared} child draws from its parent on demand: its
 * limit is a cap, and siblings compete for the parent's bytes. A {@link #carve carved} child (a
 * tenant's quota) takes its whole limit from the parent when it is made, so no sibling can ever use
 * those bytes, and its own reservations stop at it: they were paid for already. That is the MIG-slice
 * idea in software.
 *
 * <p>Thread-safe. Charges go child first, then up the chain, each level under its own lock, and a
 * failure rolls back the levels already charged.
 */
public final class MemoryBudget {
    private final String name;
    private final long limit;
    private final MemoryBudget parent;
    /** The carve-out this budget holds from its parent, or null for a shared (or root) budget. */
    private final Reservation carveOut;
    private final long[] usedBy = new long[MemoryUse.values().length];
    private long used;
    private boolean released;

    /**
     * Creates a budget; reservations from it are also charged to {@code parent}, so a session budget
     * can sit inside a runtime budget.
     *
     * @param name shown in errors
     * @param limitBytes the most bytes this budget grants
     * @param parent the enclosing budget, or null
     */
    public MemoryBudget(String name, long limitBytes, MemoryBudget parent) {
        this(name, limitBytes, parent, null);
    }

    private MemoryBudget(String name, long limitBytes, MemoryBudget parent, Reservation carveOut) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("budget limit must be > 0, got " + limitBytes);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.limit = limitBytes;
        this.parent = parent;
        this.carveOut = carveOut;
    }

    /**
     * Creates a root budget.
     *
     * @param name shown in errors, e.g. {@code device cpu0}
     * @param limitBytes the most bytes it grants, greater than 0
     * @return the budget
     */
    public static MemoryBudget root(String name, long limitBytes) {
        return new MemoryBudget(name, limitBytes, null);
    }

    /**
     * Creates a child that draws from this budget on demand, capped at {@code limitBytes}.
     *
     * @param childName the child's own name; errors show the whole path
     * @param limitBytes the child's cap, greater than 0 (may exceed what this budget has left)
     * @return the child
     */
    public MemoryBudget child(String childName, long limitBytes) {
        return new MemoryBudget(childName, limitBytes, this);
    }

    /**
     * Carves a slice of {@code bytes} out of this budget now (charged as {@link MemoryUse#QUOTA} up the
     * chain) and returns it as a child that owns it: the child can use all of it, nobody else can use
     * any of it, and its reservations are not charged again above it. {@link #release()} gives it back.
     *
     * @param childName the child's own name, e.g. {@code tenant alice}
     * @param bytes the size of the slice, greater than 0
     * @return the carved child
     * @throws BudgetExceededException when this budget or an ancestor cannot spare the slice
     */
    public MemoryBudget carve(String childName, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a quota must be > 0 bytes, got " + bytes);
        }
        Reservation slice = reserve(bytes, MemoryUse.QUOTA, "the quota of '" + childName + "'");
        return new MemoryBudget(childName, bytes, this, slice);
    }

    /**
     * Charges {@code bytes} to this budget and its ancestors, for no particular use.
     *
     * @param bytes bytes to reserve
     * @param what what they are for (for the error message)
     * @return a reservation; close it to give the bytes back
     * @throws BudgetExceededException when this budget or an ancestor has too little left
     */
    public Reservation reserve(long bytes, String what) {
        return reserve(bytes, MemoryUse.OTHER, what);
    }

    /**
     * Charges {@code bytes} for a use to this budget and its ancestors (up to the first carved one).
     *
     * @param bytes bytes to reserve, at least 0
     * @param use what kind of memory they are
     * @param what what they are for (for the error message)
     * @return a reservation; close it to give the bytes back
     * @throws BudgetExceededException when this budget or an ancestor has too little left
     * @throws IllegalStateException when this carved budget was released
     */
    public Reservation reserve(long bytes, MemoryUse use, String what) {
        if (bytes < 0) {
            throw new IllegalArgumentException("cannot reserve " + bytes + " bytes");
        }
        Objects.requireNonNull(use, "use");
        take(bytes, use, what);
        return new Reservation(this, bytes, use);
    }

    /**
     * Tells whether {@code bytes} could be reserved now, without reserving them.
     *
     * @param bytes bytes
     * @return whether a reservation of that size would succeed at this moment
     */
    public boolean fits(long bytes) {
        return bytes >= 0 && bytes <= remaining();
    }

    private void take(long bytes, MemoryUse use, String what) {
        synchronized (this) {
            if (released) {
                throw new IllegalStateException("budget '" + path() + "' was released");
            }
            if (bytes > limit - used) {
                throw new BudgetExceededException(path(), what, bytes, limit - used);
            }
            used += bytes;
            usedBy[use.ordinal()] += bytes;
        }
        if (parent != null && carveOut == null) {
            try {
                parent.take(bytes, use, what);
            } catch (RuntimeException e) {
                give(bytes, use, false);
                throw e;
            }
        }
    }

    private void give(long bytes, MemoryUse use, boolean upwards) {
        synchronized (this) {
            used -= bytes;
            usedBy[use.ordinal()] -= bytes;
        }
        if (upwards && parent != null && carveOut == null) {
            parent.give(bytes, use, true);
        }
    }

    /**
     * Returns how many bytes a reservation could get now: the least any budget it would be charged to
     * has left.
     *
     * @return bytes available to the next reservation
     */
    public long remaining() {
        long left;
        synchronized (this) {
            left = released ? 0 : limit - used;
        }
        if (parent != null && carveOut == null) {
            left = Math.min(left, parent.remaining());
        }
        return left;
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
     * Returns how many bytes are reserved from this budget now for one use.
     *
     * @param use the use
     * @return bytes reserved for it (carved children's own reservations are inside their {@link MemoryUse#QUOTA})
     */
    public synchronized long used(MemoryUse use) {
        return usedBy[use.ordinal()];
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
     * Returns the budget's own name.
     *
     * @return the budget's name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the names from the root down to this budget, joined by {@code /}; errors use it so the
     * message says exactly which budget refused.
     *
     * @return e.g. {@code device h100:0/runtime/model llama/tenant alice}
     */
    public String path() {
        return parent == null ? name : parent.path() + "/" + name;
    }

    /**
     * Returns the enclosing budget.
     *
     * @return the parent, or null for a root
     */
    public MemoryBudget parent() {
        return parent;
    }

    /**
     * Tells whether this budget is a slice carved from its parent (see {@link #carve}).
     *
     * @return whether its bytes were taken from the parent up front
     */
    public boolean isCarved() {
        return carveOut != null;
    }

    /**
     * Gives a carved budget's slice back to its parent. Nothing may be reserved from it any more.
     *
     * @throws IllegalStateException when reservations are still open, or this budget was not carved
     */
    public void release() {
        if (carveOut == null) {
            throw new IllegalStateException("budget '" + path() + "' was not carved from its parent");
        }
        synchronized (this) {
            if (released) {
                return;
            }
            if (used > 0) {
                throw new IllegalStateException("budget '" + path() + "' still has " + used
                        + " bytes reserved; close them first");
            }
            released = true;
        }
        carveOut.close();
    }

    @Override
    public String toString() {
        return path() + " (" + used() + " of " + limit + " bytes used)";
    }

    /** Bytes held from a budget until closed. Closing twice is harmless. */
    public static final class Reservation implements AutoCloseable {
        private final MemoryBudget budget;
        private final long bytes;
        private final MemoryUse use;
        private boolean released;

        private Reservation(MemoryBudget budget, long bytes, MemoryUse use) {
            this.budget = budget;
            this.bytes = bytes;
            this.use = use;
        }

        /**
         * Returns the size of this reservation.
         *
         * @return bytes held
         */
        public long bytes() {
            return bytes;
        }

        /**
         * Returns what the bytes are for.
         *
         * @return the use
         */
        public MemoryUse use() {
            return use;
        }

        /**
         * Returns the budget the bytes were reserved from.
         *
         * @return the budget
         */
        public MemoryBudget budget() {
            return budget;
        }

        @Override
        public synchronized void close() {
            if (!released) {
                released = true;
                budget.give(bytes, use, true);
            }
        }
    }
}
