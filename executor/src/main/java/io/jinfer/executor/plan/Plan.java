package io.jinfer.executor.plan;

import io.jinfer.api.WeightResidency;
import java.util.ArrayList;
import java.util.List;

/**
 * The planner's answer: whether the model fits, which layers run where with their memory, and the
 * predicted speed and cost. A plan that does not fit has a {@link #message()} saying why and nothing else.
 *
 * @param request what was planned
 * @param fits whether a placement within every budget was found
 * @param strategy how: {@code single device}, {@code single device + host memory read in place} or
 *     {@code split across devices}
 * @param message for a plan that does not fit: why, with the sizes; else a one-line summary
 * @param placements one per layer, in order (empty when it does not fit)
 * @param usage memory taken per device (empty when it does not fit)
 * @param prediction predicted speed and cost, or null when it does not fit
 */
public record Plan(PlanRequest request, boolean fits, String strategy, String message, List<Placement> placements,
        List<DeviceUsage> usage, Prediction prediction) {

    /** Copies the lists. */
    public Plan {
        placements = List.copyOf(placements);
        usage = List.copyOf(usage);
    }

    /**
     * A contiguous run of layers placed alike.
     *
     * @param first index of its first layer
     * @param last index of its last layer
     * @param firstLayer name of the first layer
     * @param lastLayer name of the last layer
     * @param device the device computing them
     * @param residency how their weights are held
     * @param weightsOn where their weights live
     * @param kvOn where their KV cache lives
     * @param weightBytes their weights' bytes
     * @param kvBytes their KV cache's bytes
     */
    public record Range(int first, int last, String firstLayer, String lastLayer, String device,
            WeightResidency residency, String weightsOn, String kvOn, long weightBytes, long kvBytes) {}

    /**
     * Groups consecutive layers with the same device, residency and memory homes; the embedding and
     * output layers merge with their neighbours when placed alike.
     *
     * @return the ranges in layer order
     */
    public List<Range> ranges() {
        List<Range> out = new ArrayList<>();
        Range cur = null;
        for (int i = 0; i < placements.size(); i++) {
            Placement p = placements.get(i);
            boolean noKv = p.kvBytes() == 0;
            if (cur != null && cur.device().equals(p.device()) && cur.residency() == p.residency()
                    && cur.weightsOn().equals(p.weightsOn()) && (noKv || cur.kvOn().equals(p.kvOn()))) {
                cur = new Range(cur.first(), i, cur.firstLayer(), p.layer(), cur.device(), cur.residency(),
                        cur.weightsOn(), cur.kvOn(), cur.weightBytes() + p.weightBytes(), cur.kvBytes() + p.kvBytes());
                out.set(out.size() - 1, cur);
            } else {
                cur = new Range(i, i, p.layer(), p.layer(), p.device(), p.residency(), p.weightsOn(), p.kvOn(),
                        p.weightBytes(), p.kvBytes());
                out.add(cur);
            }
        }
        return out;
    }

    /**
     * Returns the devices that compute at least one layer, in order of first use.
     *
     * @return device ids
     */
    public List<String> computeDevices() {
        return placements.stream().map(Placement::device).distinct().toList();
    }
}
