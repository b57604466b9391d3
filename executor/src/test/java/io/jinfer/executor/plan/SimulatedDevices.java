package io.jinfer.executor.plan;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.Precision;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Throughput;
import java.util.Map;

/** Simulated devices and shortcuts for planner tests: no probe, no kernels. */
final class SimulatedDevices {
    private SimulatedDevices() {}

    /** A host CPU: 256 GB, 100 GB/s, 2 TFLOPS FP32 and INT8. */
    static DeviceInfo cpu() {
        return new DeviceInfo("cpu", DeviceInfo.Kind.CPU, "simulated CPU", 256_000_000_000L, -1, 32, 100e9,
                Throughput.of(Map.of(Precision.FP32, 2e12, Precision.INT8, 2e12)), true);
    }

    static Topology devices(String spec) {
        return DeviceProfiles.parse(spec, SimulatedDevices::cpu, PriceTable.DEFAULTS);
    }

    static ModelProfile shape(String name, String format) {
        return ModelShapes.profile(ModelShapes.shape(name), WeightFormats.parse(format), QuantFormat.F16);
    }

    static Plan plan(String shape, String format, String devices, int ctx) {
        return Planner.plan(PlanRequest.of(shape(shape, format), devices(devices), ctx));
    }
}
