package io.jinfer.executor.plan;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.Link;
import io.jinfer.api.WeightResidency;
import java.util.List;

/**
 * The planner's cost model: a roofline per layer plus transfers at split boundaries.
 *
 * <p>For layer {@code l} on device {@code d}, one forward pass over {@code n} tokens takes
 * <pre>
 *   t(l) = max( weightBytes(l) / bwWeights + kvBytesRead(l) / bwKv ,  flops(l, n) / throughput(d, precision(l), n) )
 * </pre>
 * where {@code bwWeights} is {@code d}'s own bandwidth for resident (or, on the host, mapped) weights and
 * {@code min(host bandwidth, link bandwidth)} for weights read in place from host memory, and likewise
 * {@code bwKv} for the KV cache. {@code flops(l, n)} is {@code n} times the weight products plus the
 * attention over the positions in the cache. Activations cross each boundary between consecutive
 * layers on different devices once per pass: {@code latency + n × hidden × 4 bytes / link bandwidth}.
 *
 * <ul>
 * <li>Decode: one pass of {@code batch} tokens (one per sequence), each attending to {@code context}
 *     positions (the last token of a full context: the slowest step). Tokens/s = batch / step time.</li>
 * <li>Prefill: passes of {@code chunk = min(prefillChunk, context)} prompt tokens of one sequence,
 *     attending on average to {@code context / 2} positions; the output layer (the last) computes the
 *     logits of one token per pass, as only the last prompt token's are needed. Tokens/s = chunk /
 *     pass time.</li>
 * </ul>
 * Nothing overlaps across layers or devices (a pipeline of one request), which makes the prediction
 * a slight underestimate where a backend overlaps transfers with compute.
 */
public final class CostModel {
    private CostModel() {}

    /**
     * Predicts the speed of a placement.
     *
     * @param r the request (model, devices, context, batch)
     * @param placements one per layer, in the model's order
     * @return the prediction
     */
    public static Prediction predict(PlanRequest r, List<Placement> placements) {
        int ctx = r.contextLength();
        int batch = r.batch();
        int chunk = Math.min(r.prefillChunk(), ctx);
        double decode = passSeconds(r, placements, batch, ctx, batch);
        double transfers = transferSeconds(r, placements, batch);
        double prefill = passSeconds(r, placements, chunk, ctx / 2.0, 1);
        return new Prediction(chunk / prefill, batch / decode, decode, transfers, r.topology().totalUsdPerHour());
    }

    /**
     * Time of one pass over all layers.
     *
     * @param tokens tokens in the pass
     * @param positions positions each token attends to
     * @param sequences sequences whose KV caches are read
     */
    private static double passSeconds(PlanRequest r, List<Placement> placements, int tokens, double positions,
            int sequences) {
        Topology t = r.topology();
        List<LayerCost> layers = r.model().layers();
        double total = 0;
        for (int i = 0; i < layers.size(); i++) {
            LayerCost l = layers.get(i);
            Placement p = placements.get(i);
            DeviceInfo d = t.device(p.device());
            double weightBw = bandwidth(t, d, p.weightsOn(), p.residency());
            double kvBw = bandwidth(t, d, p.kvOn(), p.kvOn().equals(d.id()) ? WeightResidency.DEVICE_RESIDENT
                    : WeightResidency.HOST_MAPPED_READ_IN_PLACE);
            double memory = l.readBytesPerToken() / weightBw
                    + (l.kvBytesPerPosition() == 0 ? 0 : l.kvBytesPerPosition() * positions * sequences / kvBw);
            // Prefill computes logits for the last prompt token only, so the output layer (the last)
            // multiplies one token per pass however many the pass holds.
            int rows = i == layers.size() - 1 && sequences == 1 && tokens > 1 ? 1 : tokens;
            double flops = rows * (l.flopsPerToken() + l.attentionFlopsPerPosition() * positions);
            double rate = d.throughput().flops(l.precision(), rows);
            double compute = flops == 0 ? 0 : flops / rate;
            total += Math.max(memory, compute);
        }
        return total + transferSeconds(r, placements, tokens);
    }

    private static double transferSeconds(PlanRequest r, List<Placement> placements, int tokens) {
        double total = 0;
        long bytes = r.model().activationBytesPerToken() * tokens;
        for (int i = 1; i < placements.size(); i++) {
            String a = placements.get(i - 1).device();
            String b = placements.get(i).device();
            if (!a.equals(b)) {
                Link link = r.topology().link(a, b).orElseThrow(() -> new IllegalArgumentException(
                        "no link between " + a + " and " + b + " for the activations of a split"));
                total += link.seconds(bytes);
            }
        }
        return total;
    }

    /**
     * Bandwidth at which device {@code d} reads memory held on device {@code holder}.
     *
     * @return bytes per second
     */
    static double bandwidth(Topology t, DeviceInfo d, String holder, WeightResidency residency) {
        if (holder.equals(d.id()) || residency == WeightResidency.DEVICE_RESIDENT) {
            return d.memoryBandwidth();
        }
        DeviceInfo h = t.device(holder);
        Link link = t.link(d.id(), holder).orElseThrow(() -> new IllegalArgumentException(
                "device " + d.id() + " reads memory of " + holder + " but no link joins them"));
        return Math.min(h.memoryBandwidth(), link.bandwidth());
    }
}
