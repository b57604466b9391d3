package io.jinfer.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jinfer.api.QuantFormat;
import io.jinfer.api.spi.TensorView;
import io.jinfer.api.spi.WeightScales;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Which weights get a GPU kernel and which stay on the CPU (the launches need a GPU; see kernel_check.cu). */
class CudaKernelsTest {

    private static TensorView tensor(Arena arena, QuantFormat f, WeightScales scales) {
        long[] shape = {256, 4};
        return new TensorView("w", f, shape, arena.allocate(TensorView.bytesFor(f, shape)), scales);
    }

    @Test
    void everyFormatWithAKernelIsRoutedToItAndTheRestStayOnTheCpu() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals("ji_gemv_f32", CudaKernels.kernelFor(tensor(arena, QuantFormat.F32, null)));
            assertEquals("ji_gemv_f16", CudaKernels.kernelFor(tensor(arena, QuantFormat.F16, null)));
            assertEquals("ji_gemv_q8_0", CudaKernels.kernelFor(tensor(arena, QuantFormat.Q8_0, null)));
            assertEquals("ji_gemv_q4_0", CudaKernels.kernelFor(tensor(arena, QuantFormat.Q4_0, null)));
            assertEquals("ji_gemv_mxfp4", CudaKernels.kernelFor(tensor(arena, QuantFormat.MXFP4, null)));
            assertEquals("ji_gemv_nvfp4", CudaKernels.kernelFor(tensor(arena, QuantFormat.NVFP4, null)));
            assertNull(CudaKernels.kernelFor(tensor(arena, QuantFormat.Q4_K, null)), "K-quants stay on the CPU");
            assertNull(CudaKernels.kernelFor(tensor(arena, QuantFormat.BF16, null)));

            WeightScales perChannel = new WeightScales(QuantFormat.F32, arena.allocate(4 * 4), 1, 256, 1f);
            assertEquals("ji_gemv_fp8", CudaKernels.kernelFor(tensor(arena, QuantFormat.F8_E4M3, perChannel)));
            assertEquals("ji_gemv_fp8", CudaKernels.kernelFor(tensor(arena, QuantFormat.F8_E5M2, perChannel)));
            assertNull(CudaKernels.kernelFor(tensor(arena, QuantFormat.F8_E4M3, null)), "FP8 without scales");

            WeightScales nvfp4 = new WeightScales(QuantFormat.F8_E4M3, arena.allocate(4 * 16), 1, 16, 0.5f);
            assertEquals("ji_gemv_nvfp4_checkpoint", CudaKernels.kernelFor(tensor(arena, QuantFormat.E2M1, nvfp4)));
            WeightScales mxfp4 = new WeightScales(QuantFormat.E8M0, arena.allocate(4 * 8), 1, 32, 1f);
            assertNull(CudaKernels.kernelFor(tensor(arena, QuantFormat.E2M1, mxfp4)), "MXFP4 checkpoints stay on the CPU");
        }
    }
}
