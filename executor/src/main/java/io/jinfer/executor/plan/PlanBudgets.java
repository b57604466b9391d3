package io.jinfer.executor.plan;

import io.jinfer.api.DeviceInfo;
import io.jinfer.memory.MemoryBudget;
import java.util.Map;

/**
 * The memory budgets a plan must respect, per device: device → runtime → model. The device budget is
 * the device's available memory times {@link #usableFraction} (room for the driver's context,
 * fragmentation and anything else on it; 0.9 is vLLM's default GPU memory utilisation), or an explicit
 * per-device limit; the runtime and model budgets cap what this runtime and this model may take of it.
 *
 * <p>Device-resident weights, KV caches and scratch buffers are charged to the model budget (and so to
 * the runtime and device above it). Host-mapped weights are page cache, not allocations: they are
 * charged to the host device's budget only, as {@link io.jinfer.api.Runtime.Builder#memoryBudgetBytes}
 * does not count mapped weights.
 *
 * @param usableFraction share of a device's available memory that plans may use, in (0, 1]
 * @param deviceLimits explicit device budgets in bytes by device id (replace capacity × fraction)
 * @param runtimeBytes the runtime's budget on each device
 * @param modelBytes the model's budget on each device
 */
public record PlanBudgets(double usableFraction, Map<String, Long> deviceLimits, long runtimeBytes, long modelBytes) {

    /** 90 % of each device, no other limit. */
    public static final PlanBudgets DEFAULTS = new PlanBudgets(0.9, Map.of(), Long.MAX_VALUE, Long.MAX_VALUE);

    /** Checks the values. */
    public PlanBudgets {
        if (!(usableFraction > 0 && usableFraction <= 1)) {
            throw new IllegalArgumentException("the usable fraction of device memory must be in (0, 1], got "
                    + usableFraction);
        }
        deviceLimits = Map.copyOf(deviceLimits);
        deviceLimits.forEach((id, b) -> {
            if (b <= 0) {
                throw new IllegalArgumentException("the budget of device " + id + " must be > 0 bytes, got " + b);
            }
        });
        if (runtimeBytes <= 0 || modelBytes <= 0) {
            throw new IllegalArgumentException("runtime and model budgets must be > 0 bytes");
        }
    }

    /**
     * Returns the budget of one device: its explicit limit, or its available memory times the fraction.
     *
     * @param d the device
     * @return bytes
     * @throws IllegalArgumentException when the device's memory is unknown and no limit is given
     */
    public long deviceBytes(DeviceInfo d) {
        Long explicit = deviceLimits.get(d.id());
        if (explicit != null) {
            return explicit;
        }
        if (d.availableBytes() <= 0) {
            throw new IllegalArgumentException("device " + d.id() + " does not report its memory; give it a budget");
        }
        return Math.max(1, (long) (d.availableBytes() * usableFraction));
    }

    /**
     * Builds the chain device → runtime → model for one device.
     *
     * @param d the device
     * @return {device budget, model budget}
     */
    MemoryBudget[] chain(DeviceInfo d) {
        MemoryBudget device = MemoryBudget.root("device " + d.id(), deviceBytes(d));
        MemoryBudget runtime = device.child("runtime", runtimeBytes);
        return new MemoryBudget[] {device, runtime.child("model", modelBytes)};
    }
}
