package io.jinfer.cli;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.WeightResidency;
import io.jinfer.executor.plan.DeviceUsage;
import io.jinfer.executor.plan.ModelProfile;
import io.jinfer.executor.plan.Plan;
import io.jinfer.executor.plan.PlanRequest;
import java.io.PrintStream;
import java.util.Locale;

/** The text {@code jinfer plan} prints for a plan. */
final class PlanReport {
    private PlanReport() {}

    static void print(Plan plan, PrintStream out) {
        Locale l = Locale.ROOT;
        PlanRequest r = plan.request();
        ModelProfile m = r.model();
        out.printf(l, "model    %s (%s): %s of weights, %d layers, KV %s per position%n", m.name(), m.format(),
                PlanCommand.gb(m.weightBytes()), m.layers().size(), PlanCommand.gb(m.kvBytesPerPosition()));
        for (DeviceInfo d : r.topology().devices()) {
            out.printf(l, "device   %-12s %s: %s, %.0f GB/s%s%n", d.id(), d.name(), PlanCommand.gb(d.availableBytes()),
                    d.memoryBandwidth() / 1e9, d.readsHostMemoryInPlace() && d.kind() != DeviceInfo.Kind.CPU
                            ? ", reads host memory in place" : "");
        }
        out.printf(l, "context  %d positions x batch %d, prefill in chunks of %d%n", r.contextLength(), r.batch(),
                Math.min(r.prefillChunk(), r.contextLength()));
        if (!plan.fits()) {
            out.println("fits     no");
            out.println("         " + plan.message());
            return;
        }
        out.println("fits     yes: " + plan.message());
        out.println("split");
        int w = 0;
        for (Plan.Range g : plan.ranges()) {
            w = Math.max(w, label(g).length());
        }
        for (Plan.Range g : plan.ranges()) {
            out.printf(l, "  %-" + w + "s  on %-12s weights %-9s %s%s, KV %s%s%n", label(g), g.device(),
                    PlanCommand.gb(g.weightBytes()), residency(g.residency()),
                    g.weightsOn().equals(g.device()) ? "" : " (" + g.weightsOn() + " memory)",
                    PlanCommand.gb(g.kvBytes()), g.kvBytes() == 0 || g.kvOn().equals(g.device()) ? ""
                            : " (" + g.kvOn() + " memory)");
        }
        out.println("memory");
        for (DeviceUsage u : plan.usage()) {
            out.printf(l, "  %-12s %s%n", u.device(), PlanCommand.usage(u));
        }
        out.println("predicted");
        for (String line : PlanCommand.phases(plan.prediction(), r.batch())) {
            out.println("  " + line);
        }
        out.printf(l, "price    %.2f USD/hour for %s%n", plan.prediction().usdPerHour(),
                String.join(", ", r.topology().devices().stream().map(DeviceInfo::id).toList()));
    }

    private static String label(Plan.Range g) {
        return g.first() == g.last() ? g.firstLayer() : g.firstLayer() + " .. " + g.lastLayer();
    }

    private static String residency(WeightResidency r) {
        return switch (r) {
            case DEVICE_RESIDENT -> "device-resident";
            case HOST_MAPPED -> "host-mapped";
            case HOST_MAPPED_READ_IN_PLACE -> "host-mapped, read in place";
        };
    }
}
