package io.jinfer.backend.cuda;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.JinferException;
import io.jinfer.api.spi.Backend;
import io.jinfer.api.spi.Kernels;
import java.util.List;

/**
 * The {@code cuda} backend as the engine sees it. It checks, in order, that the kernel image was
 * built, that the driver library loads, that {@code cuInit} succeeds and that a device exists, and
 * reports the first thing missing; nothing is loaded before someone asks. Running a model's forward
 * pass on the GPU is not wired into the engine yet: on a machine where everything is present the
 * backend says exactly that, so selecting it never silently falls back to something else.
 */
public final class CudaBackend implements Backend {

    /** Creates the backend; loads nothing. */
    public CudaBackend() {}

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String unavailableReason() {
        if (!CudaKernelImage.built()) {
            return CudaKernelImage.notBuiltReason();
        }
        String driver = CudaLibraries.driverUnavailableReason();
        if (driver != null) {
            return driver;
        }
        List<DeviceInfo> devices;
        try {
            devices = CudaDriver.get().devices();
        } catch (JinferException e) {
            return e.getMessage();
        }
        if (devices.isEmpty()) {
            return "the CUDA driver reports no device";
        }
        return "the CUDA forward pass is not wired into the engine yet (found " + devices.getFirst().name()
                + "; kernels and their numerics are built and checked, see docs/architecture.md)";
    }

    @Override
    public List<DeviceInfo> devices() {
        if (!CudaKernelImage.built() || CudaLibraries.driverUnavailableReason() != null) {
            return List.of();
        }
        try {
            return CudaDriver.get().devices();
        } catch (JinferException e) {
            return List.of();
        }
    }

    @Override
    public Kernels createKernels(int threads, boolean reference) {
        throw new JinferException("backend 'cuda' cannot run here: " + unavailableReason());
    }
}
