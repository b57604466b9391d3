package io.jinfer.backend.opencl;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.spi.Backend;
import io.jinfer.api.spi.Kernels;
import java.util.List;

/**
 * The OpenCL backend ({@code opencl}): finds devices through {@code libOpenCL.so.1} the first time it
 * is asked, and runs on the device chosen by the system property {@value #DEVICE_PROPERTY} (an index
 * in discovery order, default 0). Weights are copied or read in place as
 * {@link WeightResidency#fromSystemProperty} says.
 */
public final class OpenClBackend implements Backend {
    /** System property: index of the OpenCL device to run on, in discovery order. */
    public static final String DEVICE_PROPERTY = "jinfer.opencl.device";

    private List<OpenClDevice> devices;
    private String unavailable;
    private boolean probed;

    /** Creates the backend (found by {@link java.util.ServiceLoader}); nothing is loaded until first use. */
    public OpenClBackend() {
        // the library is loaded lazily, so listing backends costs nothing when OpenCL is absent
    }

    @Override
    public String name() {
        return "opencl";
    }

    private synchronized void probe() {
        if (probed) {
            return;
        }
        probed = true;
        String failure = OpenCl.loadFailure();
        if (failure != null) {
            unavailable = failure;
            devices = List.of();
            return;
        }
        try {
            devices = OpenClDevice.discover();
            if (devices.isEmpty()) {
                unavailable = "libOpenCL.so.1 found no OpenCL platform or device: install a driver such as "
                        + "pocl-opencl-icd (for the CPU) or the GPU vendor's ICD";
            }
        } catch (OpenClException e) {
            devices = List.of();
            unavailable = "OpenCL device discovery failed: " + e.getMessage();
        }
    }

    /**
     * Lists the OpenCL devices found, with their OpenCL details.
     *
     * @return the devices (empty when OpenCL is unavailable)
     */
    public synchronized List<OpenClDevice> openClDevices() {
        probe();
        return devices;
    }

    /**
     * Returns the device kernels run on: the one {@value #DEVICE_PROPERTY} names.
     *
     * @return the selected device
     * @throws OpenClException when OpenCL is unavailable or the index names no device
     */
    public OpenClDevice selectedDevice() {
        String why = unavailableReason();
        if (why != null) {
            throw new OpenClException("the OpenCL backend cannot run here: " + why);
        }
        int index = Integer.getInteger(DEVICE_PROPERTY, 0);
        List<OpenClDevice> all = openClDevices();
        if (index < 0 || index >= all.size()) {
            throw new OpenClException(DEVICE_PROPERTY + "=" + index + " names no device; found " + all);
        }
        return all.get(index);
    }

    @Override
    public synchronized String unavailableReason() {
        probe();
        return unavailable;
    }

    @Override
    public List<DeviceInfo> devices() {
        return openClDevices().stream()
                .map(d -> new DeviceInfo(DeviceInfo.Kind.OPENCL, d.name(), d.globalMemoryBytes(), d.computeUnits()))
                .toList();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The device schedules its own work, so {@code threads} is only checked; there is one kernel
     * set, so {@code reference} changes nothing (compare with the CPU backend's reference kernels).
     */
    @Override
    public Kernels createKernels(int threads, boolean reference) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        OpenClDevice d = selectedDevice();
        return new OpenClKernels(d, WeightResidency.fromSystemProperty(d));
    }
}
