package io.jinfer.executor.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.Link;
import io.jinfer.api.Precision;
import io.jinfer.api.Throughput;
import io.jinfer.api.WeightResidency;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostModelTest {
    private static final DeviceInfo A = new DeviceInfo("a", DeviceInfo.Kind.CUDA, "a", 1_000_000_000L, -1, 1, 1e9,
            Throughput.of(Map.of(Precision.FP16, 1e10)), false);
    private static final DeviceInfo B = new DeviceInfo("b", DeviceInfo.Kind.CPU, "b", 1_000_000_000L, -1, 1, 5e8,
            Throughput.of(Map.of(Precision.FP32, 1e9)), true);

    private static ModelProfile twoLayers() {
        // 1e6 bytes and 2e6 FLOPs per token each; 100 bytes of KV and 10 FLOPs of attention per position.
        LayerCost l = new LayerCost("l", 1_000_000, 1_000_000, 2e6, 100, 10, Precision.FP16);
        return new ModelProfile("m", "f16", List.of(l, l), 256, 1 << 20, 0);
    }

    @Test
    void decodeIsTheSumOfPerLayerRooflinesAndBoundaryTransfers() {
        Topology t = new Topology(List.of(A, B), List.of(new Link("a", "b", "test", 1e8, 1e-3)), Map.of("a", 36.0));
        PlanRequest r = new PlanRequest(twoLayers(), t, PlanBudgets.DEFAULTS, 1000, 1, 100);
        List<Placement> split = List.of(
                new Placement("l", "a", WeightResidency.DEVICE_RESIDENT, "a", "a", 1_000_000, 100_000),
                new Placement("l", "b", WeightResidency.HOST_MAPPED, "b", "b", 1_000_000, 100_000));
        Prediction p = CostModel.predict(r, split);
        // a: memory 1e6/1e9 + 100*1000/1e9 = 1.1e-3 s; compute (2e6 + 10*1000)/1e10 = 2.01e-4 -> 1.1e-3
        // b: memory 1e6/5e8 + 1e5/5e8 = 2.2e-3 s; compute 2.01e6/1e9 (FP16 falls back to FP32) = 2.01e-3 -> 2.2e-3
        // boundary: 1e-3 + 1024/1e8
        double step = 1.1e-3 + 2.2e-3 + 1e-3 + 1024 / 1e8;
        assertEquals(step, p.decodeStepSeconds(), 1e-12);
        assertEquals(1 / step, p.decodeTokensPerSecond(), 1e-9);
        assertEquals(1e-3 + 1024 / 1e8, p.transferSecondsPerStep(), 1e-15);
        // prefill: 100 tokens at 500 positions; a: max(1e-3 + 5e4/1e9, 100*(2e6+5000)/1e10) = 0.02005
        // b is the last layer, the output: logits of one token per pass, max(2e-3 + 1e-4, 2.005e6/1e9) = 2.1e-3;
        // boundary 1e-3 + 102400/1e8
        double pass = 0.02005 + 2.1e-3 + 1e-3 + 102400 / 1e8;
        assertEquals(100 / pass, p.prefillTokensPerSecond(), 1e-6);
        assertEquals(36.0 / 3600 / p.decodeTokensPerSecond() * 1e6, p.decodeUsdPerMillion(), 1e-9);
    }

    @Test
    void weightsReadInPlaceGoAtTheSlowerOfLinkAndHostMemory() {
        Topology t = new Topology(List.of(A, B), List.of(new Link("a", "b", "c2c", 2e8, 0)), Map.of());
        PlanRequest r = new PlanRequest(twoLayers(), t, PlanBudgets.DEFAULTS, 1, 1, 1);
        Placement inPlace = new Placement("l", "a", WeightResidency.HOST_MAPPED_READ_IN_PLACE, "b", "a", 1_000_000, 0);
        Placement resident = new Placement("l", "a", WeightResidency.DEVICE_RESIDENT, "a", "a", 1_000_000, 0);
        Prediction p = CostModel.predict(r, List.of(resident, inPlace));
        // resident: 1e6/1e9 (+100 B KV) ; in place: 1e6/min(5e8, 2e8) (+100 B KV on a)
        double step = (1e-3 + 1e-7) + (5e-3 + 1e-7);
        assertEquals(step, p.decodeStepSeconds(), 1e-12);
    }
}
