package io.jinfer.backend.cpu;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.spi.Backend;
import io.jinfer.api.spi.Kernels;
import jdk.incubator.vector.FloatVector;
import java.util.List;

/** The CPU backend: always available. */
public final class CpuBackend implements Backend {

    /** Creates the backend (found by {@link java.util.ServiceLoader}). */
    public CpuBackend() {
        // nothing to set up
    }


    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public List<DeviceInfo> devices() {
        int cores = Runtime.getRuntime().availableProcessors();
        return List.of(new DeviceInfo(DeviceInfo.Kind.CPU, System.getProperty("os.arch") + " CPU",
                Runtime.getRuntime().maxMemory(), cores));
    }

    @Override
    public Kernels createKernels(int threads, boolean reference) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return createKernels(threads, reference, true);
    }

    @Override
    public Kernels createKernels(int threads, boolean reference, boolean nativeKernels) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (reference) {
            return new ReferenceKernels();
        }
        Kernels k = new VectorKernels(threads, FloatVector.SPECIES_PREFERRED, nativeKernels
                ? NativeKernels.fromSystemProperties()
                : NativeKernels.unavailable("turned off by the runtime (Runtime.Builder.nativeKernels(false))"));
        // diagnostics: per-op wall-clock breakdown printed when the kernels are closed
        return Boolean.getBoolean("jinfer.cpu.profile") ? new ProfilingKernels(k) : k;
    }
}
