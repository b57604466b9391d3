package io.jinfer.executor.plan;

import static io.jinfer.executor.plan.SimulatedDevices.devices;
import static io.jinfer.executor.plan.SimulatedDevices.shape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.Link;
import io.jinfer.api.Precision;
import io.jinfer.api.QuantFormat;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfilesTest {

    @Test
    void llamaShapesHaveTheirPublishedParameterCounts() {
        // F16: 2 bytes per weight, so bytes / 2 is the parameter count (norms add a few thousand).
        assertEquals(1.236e9, shape("1b", "f16").weightBytes() / 2.0, 0.01e9);
        assertEquals(8.03e9, shape("8b", "f16").weightBytes() / 2.0, 0.01e9);
        assertEquals(70.55e9, shape("70b", "f16").weightBytes() / 2.0, 0.05e9);
        assertEquals(405.8e9, shape("405b", "f16").weightBytes() / 2.0, 0.3e9);
        assertEquals(82, shape("llama-3.1-70b", "q4_0").layers().size());
        // 70B: 80 layers x 2 x 1024 values x 2 bytes of F16 KV per position
        assertEquals(80L * 2 * 1024 * 2, shape("70b", "fp8").kvBytesPerPosition());
        // FP8 checkpoints keep embedding and output in BF16; Q8_0 does not.
        ModelProfile fp8 = shape("8b", "fp8");
        assertEquals(Precision.FP16, fp8.layers().get(fp8.layers().size() - 1).precision());
        assertEquals(Precision.FP8, fp8.layers().get(1).precision());
        assertEquals(Precision.INT8, shape("8b", "q8_0").layers().get(0).precision());
    }

    @Test
    void aGgufFileGivesItsOwnTensorSizes(@TempDir Path dir) {
        SyntheticModel tiny = SyntheticModel.tiny();
        Path file = dir.resolve("tiny.gguf");
        SyntheticModels.write(tiny, file, 1);
        ModelProfile p = GgufProfiles.read(file, QuantFormat.F16);
        assertEquals(tiny.layers() + 2, p.layers().size());
        long tensorBytes = SyntheticModels.tensors(tiny).stream()
                .mapToLong(t -> io.jinfer.api.spi.TensorView.bytesFor(t.format(), t.shape())).sum();
        assertEquals(tensorBytes, p.weightBytes());
        assertEquals("q8_0", p.format());
        assertEquals(Precision.INT8, p.layers().get(1).precision());
        assertEquals(2L * tiny.kvDim() * 2, p.layers().get(1).kvBytesPerPosition());
        assertEquals(tiny.dim(), p.hiddenDim());
        assertTrue(Files.exists(file));
        Plan plan = Planner.plan(PlanRequest.of(p, devices("cpu"), 256));
        assertTrue(plan.fits());
    }

    @Test
    void deviceListsBuildTheirLinks() {
        Topology t = devices("gb200,h100x2,rtx4090");
        assertEquals(5, t.devices().size());
        Link c2c = t.link("gb200.gpu", "gb200.grace").orElseThrow();
        assertEquals("NVLink-C2C", c2c.name());
        assertTrue(t.device("gb200.gpu").readsHostMemoryInPlace());
        assertEquals("NVLink", t.link("h100", "h100#2").orElseThrow().name());
        assertEquals(25e9, t.link("h100", "rtx4090").orElseThrow().bandwidth());
        assertEquals("gb200.grace", t.host().orElseThrow().id());
        assertEquals(6.5 + 2.5 + 2.5 + 0.4, t.totalUsdPerHour(), 1e-9);
    }

    @Test
    void badInputsGetClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> devices("h100,tpu"));
        assertTrue(e.getMessage().contains("unknown device profile 'tpu'") && e.getMessage().contains("gb200"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> shape("7b", "q4_0"));
        assertTrue(e.getMessage().contains("unknown model shape '7b'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> shape("8b", "q9_9"));
        assertTrue(e.getMessage().contains("unknown weight format 'q9_9'"), e.getMessage());
        ModelProfile m = shape("8b", "fp8");
        Topology t = devices("h100");
        e = assertThrows(IllegalArgumentException.class, () -> PlanRequest.of(m, t, 0));
        assertTrue(e.getMessage().contains("context length must be in [1, "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PlanRequest.of(m, t, 1_000_000_000));
        assertTrue(e.getMessage().contains("context length"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PlanRequest.of(m, t, 200_000));
        assertTrue(e.getMessage().contains("exceeds the 131072 positions"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new PlanRequest(m, t, PlanBudgets.DEFAULTS, 4096, 0, 512));
        assertTrue(e.getMessage().contains("batch"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PriceTable.DEFAULTS.with("h100=cheap"));
        assertTrue(e.getMessage().contains("not a number"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PriceTable.DEFAULTS.with("nope=1"));
        assertThrows(IllegalArgumentException.class, () -> devices("h100x0"));
        assertThrows(IllegalArgumentException.class, () -> new PlanBudgets(1.5, java.util.Map.of(), 1, 1));
    }
}
