package io.jinfer.executor.plan;

import io.jinfer.api.BudgetExceededException;
import io.jinfer.api.DeviceInfo;
import io.jinfer.api.WeightResidency;
import io.jinfer.memory.MemoryBudget;
import io.jinfer.memory.MemoryUse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Decides which layers run on which device and where their weights and KV cache live.
 *
 * <p>Every candidate placement is built by charging each allocation to simulated {@link MemoryBudget}s
 * (device → runtime → model per device) before it is counted, so a candidate that exists never exceeds
 * a budget. The candidates:
 * <ol>
 * <li><b>single device</b>: the whole model on one device (weights resident, or mapped on the host CPU);</li>
 * <li><b>single device + host memory read in place</b>: for a device that reads host memory in place
 *     (GB200's GPU over NVLink-C2C), layers fill its memory in order and the rest stay in host memory,
 *     read in place; KV goes to the device while it has room, then to host memory;</li>
 * <li><b>split across devices</b>: a pipeline over the devices, fastest memory first, each taking the
 *     next layers while its budget holds them.</li>
 * </ol>
 * The best candidate wins, where "best" is the least prefill time plus decode time per token of a
 * sequence ({@link CostModel}), so a plan cannot buy slightly faster decode with a prefill many times
 * slower. A single device wins over a split unless the split is more than {@code SPLIT_MARGIN} (10 %)
 * better: a model that fits on one GPU is not split for a marginal gain.
 */
public final class Planner {
    private static final String SINGLE = "single device";
    private static final String IN_PLACE = "single device + host memory read in place";
    private static final String SPLIT = "split across devices";
    /** A split (or spill) must beat the best single device by more than this factor to be chosen. */
    static final double SPLIT_MARGIN = 1.1;

    private Planner() {}

    /**
     * Plans a model on a set of devices.
     *
     * @param r the request
     * @return the plan; {@link Plan#fits()} false with a message when no placement fits the budgets
     */
    public static Plan plan(PlanRequest r) {
        Topology t = r.topology();
        List<DeviceInfo> capable = t.devices().stream().filter(d -> canCompute(r, d)).toList();
        if (capable.isEmpty()) {
            throw new IllegalArgumentException("none of the devices can compute this model: no bandwidth or "
                    + "throughput figures for " + t.devices().stream().map(DeviceInfo::id).toList());
        }
        List<Plan> singles = new ArrayList<>();
        for (DeviceInfo d : capable) {
            fill(r, SINGLE, List.of(d), false).ifPresent(singles::add);
        }
        List<Plan> others = new ArrayList<>();
        Optional<DeviceInfo> host = t.host();
        for (DeviceInfo d : capable) {
            if (d.readsHostMemoryInPlace() && host.isPresent() && !host.get().id().equals(d.id())
                    && t.link(d.id(), host.get().id()).isPresent()) {
                fill(r, IN_PLACE, List.of(d), true).ifPresent(others::add);
            }
        }
        if (capable.size() > 1) {
            List<DeviceInfo> order = new ArrayList<>(capable);
            order.sort(Comparator.comparingDouble(DeviceInfo::memoryBandwidth).reversed());
            fill(r, SPLIT, order, false).ifPresent(others::add);
        }
        Plan single = singles.isEmpty() ? null : best(singles);
        Plan other = others.isEmpty() ? null : best(others);
        if (single != null && (other == null || score(single) <= SPLIT_MARGIN * score(other))) {
            return single;
        }
        if (other != null) {
            return other;
        }
        return new Plan(r, false, "none", refusal(r), List.of(), List.of(), null);
    }

    private static boolean canCompute(PlanRequest r, DeviceInfo d) {
        return d.memoryBandwidth() > 0 && r.model().layers().stream()
                .allMatch(l -> l.flopsPerToken() == 0 || d.throughput().flops(l.precision(), 1) > 0);
    }

    private static Plan best(List<Plan> plans) {
        return plans.stream().min(Comparator.comparingDouble(Planner::score)).orElseThrow();
    }

    /**
     * Seconds per token of one sequence, prefill and decode together (a sequence's decode speed is the
     * batch's tokens/s shared by the batch).
     */
    static double score(Plan p) {
        return 1 / p.prediction().prefillTokensPerSecond() + p.request().batch() / p.prediction().decodeTokensPerSecond();
    }

    /**
     * Places the layers in order on the given devices, each taking layers while its budgets hold them.
     *
     * @param spill whether the (single) device may leave weights and KV in host memory, read in place
     * @return the plan, or empty when the layers do not all fit
     */
    private static Optional<Plan> fill(PlanRequest r, String strategy, List<DeviceInfo> devices, boolean spill) {
        Topology t = r.topology();
        Map<String, MemoryBudget[]> budgets = new LinkedHashMap<>();
        for (DeviceInfo d : t.devices()) {
            budgets.put(d.id(), r.budgets().chain(d));
        }
        DeviceInfo host = t.host().orElse(null);
        List<LayerCost> layers = r.model().layers();
        List<Placement> placements = new ArrayList<>();
        long scratch = r.model().scratchBytesPerToken() * Math.max(Math.min(r.prefillChunk(), r.contextLength()),
                r.batch());
        int next = 0;
        for (DeviceInfo d : devices) {
            MemoryBudget model = budgets.get(d.id())[1];
            MemoryBudget.Reservation scratchHeld;
            try {
                scratchHeld = model.reserve(scratch, MemoryUse.SCRATCH, "scratch buffers on " + d.id());
            } catch (BudgetExceededException e) {
                continue;
            }
            int before = next;
            while (next < layers.size()) {
                Placement p = place(r, layers.get(next), d, host, budgets, spill);
                if (p == null) {
                    break;
                }
                placements.add(p);
                next++;
            }
            if (next == before) {
                scratchHeld.close();
            }
        }
        if (next < layers.size()) {
            return Optional.empty();
        }
        List<DeviceUsage> usage = new ArrayList<>();
        budgets.forEach((id, chain) -> {
            MemoryBudget dev = chain[0];
            if (dev.used() > 0) {
                usage.add(new DeviceUsage(id, dev.used(MemoryUse.WEIGHTS), dev.used(MemoryUse.KV_CACHE),
                        dev.used(MemoryUse.SCRATCH), dev.limit()));
            }
        });
        Prediction prediction = CostModel.predict(r, placements);
        String summary = String.format(Locale.ROOT, "%s on %s", strategy,
                String.join(" + ", placements.stream().map(Placement::device).distinct().toList()));
        return Optional.of(new Plan(r, true, strategy, summary, placements, usage, prediction));
    }

    /**
     * Charges one layer to device {@code d} (weights, then KV), or with {@code spill} to host memory
     * read in place; gives back whatever it charged when the layer does not fit.
     *
     * @return the placement, or null when it does not fit
     */
    private static Placement place(PlanRequest r, LayerCost l, DeviceInfo d, DeviceInfo host,
            Map<String, MemoryBudget[]> budgets, boolean spill) {
        long kv = l.kvBytesPerPosition() * r.contextLength() * (long) r.batch();
        boolean onHost = host != null && host.id().equals(d.id());
        List<MemoryBudget.Reservation> held = new ArrayList<>();
        try {
            WeightResidency residency;
            String weightsOn;
            MemoryBudget own = onHost ? budgets.get(d.id())[0] : budgets.get(d.id())[1];
            if (tryReserve(own, l.weightBytes(), MemoryUse.WEIGHTS, l.name() + " weights", held)) {
                residency = onHost ? WeightResidency.HOST_MAPPED : WeightResidency.DEVICE_RESIDENT;
                weightsOn = d.id();
            } else if (spill && tryReserve(budgets.get(host.id())[0], l.weightBytes(), MemoryUse.WEIGHTS,
                    l.name() + " weights", held)) {
                residency = WeightResidency.HOST_MAPPED_READ_IN_PLACE;
                weightsOn = host.id();
            } else {
                return release(held);
            }
            String kvOn;
            if (tryReserve(budgets.get(d.id())[1], kv, MemoryUse.KV_CACHE, l.name() + " KV cache", held)) {
                kvOn = d.id();
            } else if (spill && tryReserve(budgets.get(host.id())[1], kv, MemoryUse.KV_CACHE, l.name() + " KV cache",
                    held)) {
                kvOn = host.id();
            } else {
                return release(held);
            }
            return new Placement(l.name(), d.id(), residency, weightsOn, kvOn, l.weightBytes(), kv);
        } catch (RuntimeException e) {
            release(held);
            throw e;
        }
    }

    private static boolean tryReserve(MemoryBudget b, long bytes, MemoryUse use, String what,
            List<MemoryBudget.Reservation> held) {
        try {
            held.add(b.reserve(bytes, use, what));
            return true;
        } catch (BudgetExceededException e) {
            return false;
        }
    }

    private static Placement release(List<MemoryBudget.Reservation> held) {
        held.forEach(MemoryBudget.Reservation::close);
        held.clear();
        return null;
    }

    /** Why nothing fits, with the sizes, in one paragraph. */
    private static String refusal(PlanRequest r) {
        ModelProfile m = r.model();
        long kv = m.kvBytesPerPosition() * r.contextLength() * (long) r.batch();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%s (%s) does not fit: it needs %s of weights + %s of KV cache (context %d x batch %d) + scratch; "
                        + "the budgets give ", m.name(), m.format(), gb(m.weightBytes()), gb(kv), r.contextLength(),
                r.batch()));
        long total = 0;
        List<String> parts = new ArrayList<>();
        for (DeviceInfo d : r.topology().devices()) {
            long b = Math.min(r.budgets().deviceBytes(d), Math.min(r.budgets().runtimeBytes(), r.budgets().modelBytes()));
            total += b;
            parts.add(d.id() + " " + gb(b));
        }
        sb.append(String.join(", ", parts)).append(" (").append(gb(total)).append(" in all, ")
                .append(String.format(Locale.ROOT, "%.0f %% of each device's memory", 100 * r.budgets().usableFraction()))
                .append("). Add devices (e.g. a host CPU), use a smaller weight format, or a shorter context.");
        return sb.toString();
    }

    static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
}
