package io.jinfer.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.spi.Backend;
import io.jinfer.api.spi.Kernels;
import java.util.ServiceLoader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Discovery, registration and device selection of the OpenCL backend. */
class OpenClBackendTest {

    @BeforeEach
    void requireOpenCl() {
        OpenClAvailable.backend();
    }

    @Test
    void serviceLoaderFindsTheBackendByName() {
        Backend b = ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.name().equals("opencl")).findFirst().orElseThrow();
        assertTrue(b instanceof OpenClBackend);
    }

    @Test
    void discoveryDescribesEveryDevice() {
        OpenClBackend b = OpenClAvailable.backend();
        assertFalse(b.openClDevices().isEmpty());
        for (OpenClDevice d : b.openClDevices()) {
            assertFalse(d.name().isBlank(), d::toString);
            assertFalse(d.platform().isBlank(), d::toString);
            assertTrue(d.version().startsWith("OpenCL "), d::toString);
            assertTrue(d.globalMemoryBytes() > 0 && d.maxAllocationBytes() > 0, d::toString);
            assertTrue(d.computeUnits() > 0, d::toString);
            if (d.platform().contains("Portable Computing Language")) {
                assertTrue(d.hostUnifiedMemory(), "PoCL's CPU device shares host memory: " + d);
                assertEquals(WeightResidency.IN_PLACE, WeightResidency.fromSystemProperty(d));
            }
        }
        DeviceInfo first = b.devices().getFirst();
        assertEquals(DeviceInfo.Kind.OPENCL, first.kind());
        assertEquals(b.openClDevices().getFirst().name(), first.name());
    }

    @Test
    void kernelsRunOnTheSelectedDevice() {
        OpenClBackend b = OpenClAvailable.backend();
        try (Kernels k = b.createKernels(1, false)) {
            assertTrue(k.description().startsWith(b.selectedDevice().name()), k.description());
        }
        assertThrows(IllegalArgumentException.class, () -> b.createKernels(0, false));
        String old = System.getProperty(OpenClBackend.DEVICE_PROPERTY);
        System.setProperty(OpenClBackend.DEVICE_PROPERTY, "99");
        try {
            OpenClException e = assertThrows(OpenClException.class, b::selectedDevice);
            assertTrue(e.getMessage().contains("names no device"), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(OpenClBackend.DEVICE_PROPERTY);
            } else {
                System.setProperty(OpenClBackend.DEVICE_PROPERTY, old);
            }
        }
    }

    @Test
    void aBrokenKernelSourceReportsTheBuildLog() {
        OpenClDevice d = OpenClAvailable.device();
        DeviceContext ctx = DeviceContext.of(d);
        OpenClException e = assertThrows(OpenClException.class,
                () -> ctx.program("kernel void broken(global float* x) { x[0] = undefined_name; }"));
        assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE") && e.getMessage().contains("undefined_name"),
                e.getMessage());
    }
}
