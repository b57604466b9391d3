package io.jinfer.executor.plan;

/**
 * What to plan.
 *
 * @param model the model's layers and their costs
 * @param topology devices, links and prices
 * @param budgets memory budgets per device
 * @param contextLength positions of KV cache per sequence, and the prompt length prefill is predicted for
 * @param batch sequences decoded together (each with its own KV cache)
 * @param prefillChunk prompt tokens per forward pass during prefill (weights are read once per chunk)
 */
public record PlanRequest(ModelProfile model, Topology topology, PlanBudgets budgets, int contextLength, int batch,
        int prefillChunk) {

    /** The longest context a plan may ask for: 16 Mi positions. */
    public static final int MAX_CONTEXT = 1 << 24;

    /** Checks the values, with messages that name the parameter. */
    public PlanRequest {
        if (model == null || topology == null || budgets == null) {
            throw new IllegalArgumentException("model, devices and budgets must be given");
        }
        if (contextLength < 1 || contextLength > MAX_CONTEXT) {
            throw new IllegalArgumentException("context length must be in [1, " + MAX_CONTEXT + "], got " + contextLength);
        }
        if (contextLength > model.trainedContext()) {
            throw new IllegalArgumentException("context length " + contextLength + " exceeds the " + model.trainedContext()
                    + " positions " + model.name() + " was trained for");
        }
        if (batch < 1 || batch > 4096) {
            throw new IllegalArgumentException("batch must be in [1, 4096], got " + batch);
        }
        if (prefillChunk < 1 || prefillChunk > 65536) {
            throw new IllegalArgumentException("prefill chunk must be in [1, 65536], got " + prefillChunk);
        }
    }

    /**
     * A request with default budgets, batch 1 and 512-token prefill chunks.
     *
     * @param model the model
     * @param topology the devices
     * @param contextLength the context length
     * @return the request
     */
    public static PlanRequest of(ModelProfile model, Topology topology, int contextLength) {
        return new PlanRequest(model, topology, PlanBudgets.DEFAULTS, contextLength, 1, 512);
    }
}
