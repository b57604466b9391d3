package io.jinfer.backend.cuda;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.JinferException;
import io.jinfer.api.spi.Backend;
import io.jinfer.api.spi.Kernels;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The {@code cuda} backend as the engine sees it. It checks, in order, that the kernel image was
 * built, that the driver library loads, that {@code cuInit} succeeds and that a device exists, and
 * reports the first thing missing; nothing is loaded before someone asks. Where all is present its
 * kernels run the matrix products on the GPU ({@code -Djinfer.cuda.device=N} picks the device,
 * default 0) and the other ops on the {@code cpu} backend, which must be on the class path.
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
        if (cpuBackend() == null) {
            return "the cuda backend runs the ops other than matrix products on the cpu backend, which is not "
                    + "on the class path (add jinfer-cpu-backend)";
        }
        return null;
    }

    private static Backend cpuBackend() {
        for (Backend b : ServiceLoader.load(Backend.class, CudaBackend.class.getClassLoader())) {
            if (b.name().equals("cpu")) {
                return b;
            }
        }
        return null;
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
        return createKernels(threads, reference, true);
    }

    @Override
    public Kernels createKernels(int threads, boolean reference, boolean nativeKernels) {
        String why = unavailableReason();
        if (why != null) {
            throw new JinferException("backend 'cuda' cannot run here: " + why);
        }
        int ordinal = Integer.getInteger("jinfer.cuda.device", 0);
        List<DeviceInfo> devices = devices();
        if (ordinal < 0 || ordinal >= devices.size()) {
            throw new JinferException("-Djinfer.cuda.device=" + ordinal + " names no device; there are " + devices.size());
        }
        Kernels cpu = cpuBackend().createKernels(threads, reference, nativeKernels);
        try {
            return new CudaKernels(new CudaContext(ordinal), cpu, devices.get(ordinal).name());
        } catch (RuntimeException e) {
            cpu.close();
            throw e;
        }
    }
}
