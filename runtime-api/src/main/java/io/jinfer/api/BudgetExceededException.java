package io.jinfer.api;

/** An allocation would exceed a memory budget; nothing was allocated. */
public final class BudgetExceededException extends JinferException {
    private static final long serialVersionUID = 1L;

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
    }
}
