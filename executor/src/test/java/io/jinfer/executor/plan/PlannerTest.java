package io.jinfer.executor.plan;

import static io.jinfer.executor.plan.SimulatedDevices.devices;
import static io.jinfer.executor.plan.SimulatedDevices.plan;
import static io.jinfer.executor.plan.SimulatedDevices.shape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.WeightResidency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlannerTest {

    @Test
    void plansNeverExceedABudget() {
        int checked = 0;
        for (String s : List.of("1b", "8b", "70b", "405b")) {
            for (String f : List.of("nvfp4", "fp8", "q4_0", "q8_0", "f16")) {
                for (String d : List.of("h100", "h100,cpu", "h100x2", "h200,rtx4090", "b200", "gb200", "rtx4090,cpu")) {
                    for (int ctx : new int[] {2048, 32768}) {
                        for (PlanBudgets b : List.of(PlanBudgets.DEFAULTS,
                                new PlanBudgets(0.8, Map.of(), Long.MAX_VALUE, 40_000_000_000L))) {
                            Plan p = Planner.plan(new PlanRequest(shape(s, f), devices(d), b, ctx, 2, 512));
                            if (p.fits()) {
                                checkWithinBudgets(p);
                                checked++;
                            } else {
                                assertTrue(p.placements().isEmpty());
                                assertNull(p.prediction());
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked > 100, "most combinations fit somewhere: " + checked);
    }

    /** Recomputes every device's and model budget's charges from the placements. */
    private static void checkWithinBudgets(Plan p) {
        PlanRequest r = p.request();
        assertEquals(r.model().layers().size(), p.placements().size());
        Map<String, Long> onDevice = new HashMap<>();
        Map<String, Long> chargedToModel = new HashMap<>();
        String host = r.topology().host().map(DeviceInfo::id).orElse("");
        for (Placement pl : p.placements()) {
            onDevice.merge(pl.weightsOn(), pl.weightBytes(), Long::sum);
            onDevice.merge(pl.kvOn(), pl.kvBytes(), Long::sum);
            chargedToModel.merge(pl.kvOn(), pl.kvBytes(), Long::sum);
            if (!pl.weightsOn().equals(host)) {
                chargedToModel.merge(pl.weightsOn(), pl.weightBytes(), Long::sum);
            }
        }
        for (DeviceUsage u : p.usage()) {
            DeviceInfo d = r.topology().device(u.device());
            long budget = r.budgets().deviceBytes(d);
            assertEquals(budget, u.budgetBytes());
            assertTrue(u.totalBytes() <= budget, u + " exceeds " + budget);
            assertEquals(onDevice.getOrDefault(u.device(), 0L), u.weightBytes() + u.kvBytes());
            long model = chargedToModel.getOrDefault(u.device(), 0L) + u.scratchBytes();
            assertTrue(model <= r.budgets().modelBytes(), "model budget exceeded on " + u.device());
        }
        for (String id : onDevice.keySet()) {
            assertTrue(p.usage().stream().anyMatch(u -> u.device().equals(id)), "usage lists " + id);
        }
    }

    @Test
    void aModelThatFitsOnOneGpuIsNotSplit() {
        for (String d : List.of("h100,cpu", "cpu,h100", "h100x2", "rtx4090,h100")) {
            Plan p = plan("8b", "fp8", d, 8192);
            assertTrue(p.fits(), p.message());
            assertEquals("single device", p.strategy(), d);
            assertEquals(List.of("h100"), p.computeDevices(), d);
            assertTrue(p.placements().stream().allMatch(x -> x.residency() == WeightResidency.DEVICE_RESIDENT));
            assertEquals(1, p.ranges().size());
            assertEquals(0, p.prediction().transferSecondsPerStep());
        }
    }

    @Test
    void llama405bOnGb200ReadsWhatDoesNotFitInHbmInPlaceFromGraceMemory() {
        for (String f : List.of("nvfp4", "fp8")) {
            Plan p = plan("405b", f, "gb200", 8192);
            assertTrue(p.fits(), p.message());
            assertEquals("single device + host memory read in place", p.strategy());
            assertEquals(List.of("gb200.gpu"), p.computeDevices(), "the GPU computes every layer");
            long inPlace = p.placements().stream()
                    .filter(x -> x.residency() == WeightResidency.HOST_MAPPED_READ_IN_PLACE)
                    .peek(x -> assertEquals("gb200.grace", x.weightsOn()))
                    .mapToLong(Placement::weightBytes).sum();
            long resident = p.placements().stream().filter(x -> x.residency() == WeightResidency.DEVICE_RESIDENT)
                    .mapToLong(Placement::weightBytes).sum();
            assertTrue(inPlace > 0 && resident > 0);
            assertTrue(resident <= 186e9 * 0.9);
            // Reading Grace memory costs time: slower than if it all fitted on an imaginary bigger GPU.
            assertTrue(p.prediction().decodeTokensPerSecond() > 0);
        }
    }

    @Test
    void llama70bFp8DoesNotFitOnOneH100AndSplitsWithAHost() {
        Plan alone = plan("70b", "fp8", "h100", 8192);
        assertFalse(alone.fits());
        assertTrue(alone.message().contains("does not fit"), alone.message());
        assertTrue(alone.message().contains("h100 72.0 GB"), alone.message());
        Plan withHost = plan("70b", "fp8", "h100,cpu", 8192);
        assertTrue(withHost.fits(), withHost.message());
        assertEquals("split across devices", withHost.strategy());
        assertEquals(List.of("h100", "cpu"), withHost.computeDevices());
        assertTrue(withHost.prediction().transferSecondsPerStep() > 0);
        Plan two = plan("70b", "fp8", "h100x2", 8192);
        assertTrue(two.fits());
        assertEquals(List.of("h100", "h100#2"), two.computeDevices());
    }

    @Test
    void aBiggerOrFasterDeviceNeverPredictsSlower() {
        ModelProfile m = shape("8b", "fp8");
        Topology base = devices("h100");
        DeviceInfo h = base.device("h100");
        List<DeviceInfo> better = List.of(h.withBandwidth(h.memoryBandwidth() * 1.5),
                h.withThroughput(h.throughput().scaled(2)), h.withMemory(h.memoryBytes() * 2),
                h.withBandwidth(h.memoryBandwidth() * 3).withThroughput(h.throughput().scaled(3)));
        Prediction before = Planner.plan(PlanRequest.of(m, base, 8192)).prediction();
        for (DeviceInfo d : better) {
            Prediction after = Planner.plan(PlanRequest.of(m, new Topology(List.of(d), List.of(), Map.of()), 8192))
                    .prediction();
            assertTrue(after.decodeTokensPerSecond() >= before.decodeTokensPerSecond(), d.toString());
            assertTrue(after.prefillTokensPerSecond() >= before.prefillTokensPerSecond(), d.toString());
        }
        // Across the built-in generations, for every format.
        for (String f : List.of("nvfp4", "fp8", "q4_0", "f16")) {
            double prevDecode = 0;
            double prevPrefill = 0;
            for (String d : List.of("h100", "h200", "b200")) {
                Prediction p = plan("8b", f, d, 8192).prediction();
                assertTrue(p.decodeTokensPerSecond() >= prevDecode, f + " on " + d);
                assertTrue(p.prefillTokensPerSecond() >= prevPrefill, f + " on " + d);
                prevDecode = p.decodeTokensPerSecond();
                prevPrefill = p.prefillTokensPerSecond();
            }
        }
        // Adding memory lets a split model fit on fewer devices, never slower.
        Plan split = plan("70b", "fp8", "h100,cpu", 8192);
        Plan bigger = plan("70b", "fp8", "h200,cpu", 8192);
        assertTrue(bigger.prediction().decodeTokensPerSecond() >= split.prediction().decodeTokensPerSecond());
    }

    @Test
    void aModelBudgetForcesASplitThatTheDeviceAloneWouldNotNeed() {
        ModelProfile m = shape("8b", "f16");
        PlanBudgets tight = new PlanBudgets(0.9, Map.of(), Long.MAX_VALUE, 10_000_000_000L);
        Plan p = Planner.plan(new PlanRequest(m, devices("h100x2"), tight, 4096, 1, 512));
        assertTrue(p.fits(), p.message());
        assertEquals(2, p.computeDevices().size());
        Plan refused = Planner.plan(new PlanRequest(m, devices("h100"), tight, 4096, 1, 512));
        assertFalse(refused.fits());
        assertTrue(refused.message().contains("h100 10.0 GB"), refused.message());
    }

    @Test
    void pricesAndCostPerMillionTokensFollowTheTable() {
        Plan p = Planner.plan(PlanRequest.of(shape("8b", "fp8"),
                DeviceProfiles.parse("h100,cpu", SimulatedDevices::cpu, PriceTable.DEFAULTS.with("h100=3.6,cpu=0")),
                4096));
        Prediction x = p.prediction();
        assertEquals(3.6, x.usdPerHour(), 1e-12);
        assertEquals(1e6 / x.decodeTokensPerSecond() * 0.001, x.decodeUsdPerMillion(), 1e-9);
    }
}
