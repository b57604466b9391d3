package io.jinfer.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jinfer.api.JinferException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class CudaBackendTest {

    @Test
    void registersAsTheCudaBackend() {
        boolean found = ServiceLoader.load(io.jinfer.api.spi.Backend.class).stream()
                .anyMatch(p -> p.type() == CudaBackend.class);
        assertTrue(found, "CudaBackend is not registered as a Backend service");
    }

    @Test
    void withoutADriverItSaysWhichLibraryIsMissing() {
        Assumptions.assumeTrue(CudaLibraries.driverUnavailableReason() != null,
                "this machine has libcuda.so.1; the missing-driver path is not exercised here");
        Assumptions.assumeTrue(CudaKernelImage.built(), CudaKernelImage.notBuiltReason());
        CudaBackend backend = new CudaBackend();
        String why = backend.unavailableReason();
        assertNotNull(why);
        assertTrue(why.contains("libcuda.so.1"), why);
        assertTrue(backend.devices().isEmpty());
        JinferException e = assertThrows(JinferException.class, () -> backend.createKernels(1, false));
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        CudaUnavailableException call = assertThrows(CudaUnavailableException.class, CudaDriver::get);
        assertTrue(call.getMessage().contains("libcuda.so.1"), call.getMessage());
    }

    @Test
    void missingLibrariesAreNamed() {
        String nvml = CudaLibraries.nvmlUnavailableReason();
        String lt = CudaLibraries.cublasLtUnavailableReason();
        Assumptions.assumeTrue(nvml != null || lt != null, "NVML and cuBLASLt are both present here");
        if (nvml != null) {
            assertTrue(nvml.contains("libnvidia-ml.so.1"), nvml);
            CudaUnavailableException e = assertThrows(CudaUnavailableException.class, Nvml::get);
            assertTrue(e.getMessage().contains("libnvidia-ml.so.1"), e.getMessage());
        }
        if (lt != null) {
            assertTrue(lt.contains("libcublasLt.so"), lt);
            CudaUnavailableException e = assertThrows(CudaUnavailableException.class, CublasLt::version);
            assertTrue(e.getMessage().contains("libcublasLt.so"), e.getMessage());
        }
    }

    @Test
    void theKernelImageHoldsBothArchitectures() {
        Assumptions.assumeTrue(CudaKernelImage.built(), CudaKernelImage.notBuiltReason());
        byte[] fatbin = CudaKernelImage.fatbin();
        int magic = ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        assertEquals(0xBA55ED50, magic, "not a CUDA fatbin");
        String built = CudaKernelImage.buildInfo().getProperty("kernels");
        assertTrue(built.contains("sm_90") && built.contains("sm_100a"), built);
        assertTrue(contains(fatbin, "ji_gemv_nvfp4_checkpoint"), "kernel symbols missing from the image");
    }

    private static boolean contains(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + n.length <= haystack.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
