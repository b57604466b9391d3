package io.jinfer.api;

/** An allocation would exceed a memory budget; nothing was allocated. */
public final class BudgetExceededException extends JinferException {
    private static final long serialVersionUID = 1L;

    private final String budget;
    private final long requested;
    private final long available;

    /**
     * Creates the exception with a message naming the budget, the purpose and both byte counts.
     *
     * @param budget the budget's name
     * @param what what the memory was for
     * @param requested bytes asked for
     * @param available bytes left in the budget
     */
    public BudgetExceededException(String budget, String what, long requested, long available) {
        super("memory budget '" + budget + "' exceeded: " + what + " needs " + requested + " bytes, "
                + available + " bytes are left");
        this.budget = budget;
        this.requested = requested;
        this.available = available;
    }

    /**
     * Returns the name of the budget that refused.
     *
     * @return the budget's name
     */
    public String budget() {
        return budget;
    }

    /**
     * Returns how many bytes were asked for.
     *
     * @return bytes requested
     */
    public long requested() {
        return requested;
    }

    /**
     * Returns how many bytes the refusing budget had left.
     *
     * @return bytes left
     */
    public long available() {
        return available;
    }
}
