package io.jinfer.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.spi.Kernels;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** Which kernels the CPU backend hands out. */
class CpuBackendTest {

    @Test
    void vectorKernelsUnlessReferenceIsAsked() {
        CpuBackend backend = new CpuBackend();
        assertNull(backend.unavailableReason());
        try (Kernels fast = backend.createKernels(2, false); Kernels ref = backend.createKernels(2, true)) {
            assertInstanceOf(VectorKernels.class, fast);
            assertTrue(fast.description().startsWith(
                    "vector (" + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit), 2 threads, "),
                    fast.description());
            NativeKernels nk = NativeKernels.fromSystemProperties();
            String expected = nk.available() ? "native " + nk.variant() : "no native kernels: " + nk.reason();
            assertTrue(fast.description().contains(expected), fast.description());
            assertInstanceOf(ReferenceKernels.class, ref);
        }
        assertThrows(IllegalArgumentException.class, () -> backend.createKernels(0, false));
    }
}
