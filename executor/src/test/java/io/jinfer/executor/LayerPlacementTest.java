package io.jinfer.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LayerPlacementTest {
    private static final List<String> DEVICES = List.of("cpu", "opencl");

    @Test
    void parsesRangesInAnyOrderAndSingleLayers() {
        LayerPlacement p = LayerPlacement.parse("2-3:cpu, 0-1:opencl", 4, DEVICES);
        assertEquals("0-1:opencl,2-3:cpu", p.toString());
        assertEquals("opencl", p.deviceOf(1));
        assertEquals("cpu", p.deviceOf(2));
        assertEquals("0:cpu,1-4:opencl", LayerPlacement.parse("0:cpu,1-4:opencl", 5, DEVICES).toString());
    }

    @Test
    void autoSharesTheLayersOutEvenlyInOrder() {
        assertEquals("0-2:cpu,3-4:opencl", LayerPlacement.parse("auto", 5, DEVICES).toString());
        assertEquals("0:cpu", LayerPlacement.auto(1, DEVICES).toString());
        assertEquals(16, LayerPlacement.auto(16, DEVICES).layers());
    }

    @Test
    void refusesGapsOverlapsUnknownDevicesAndShortSplits() {
        assertMessage("must be in order and contiguous", () -> LayerPlacement.parse("0-1:cpu,3:opencl", 4, DEVICES));
        assertMessage("must be in order and contiguous", () -> LayerPlacement.parse("0-2:cpu,2-3:opencl", 4, DEVICES));
        assertMessage("not among the devices", () -> LayerPlacement.parse("0-3:cuda", 4, DEVICES));
        assertMessage("covers layers 0-2 but the model has 4", () -> LayerPlacement.parse("0-2:cpu", 4, DEVICES));
        assertMessage("is not FIRST-LAST:DEVICE", () -> LayerPlacement.parse("0-x:cpu", 4, DEVICES));
        assertMessage("is not FIRST-LAST:DEVICE", () -> LayerPlacement.parse("0-3", 4, DEVICES));
        assertMessage("bad layer range", () -> LayerPlacement.parse("3-0:cpu", 4, DEVICES));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
