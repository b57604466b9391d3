package io.jinfer.backend.opencl;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * One OpenCL device as discovery found it.
 *
 * @param index position in the discovery order (platforms in ICD order, then their devices)
 * @param platform the platform's name, e.g. {@code Portable Computing Language}
 * @param name the device's name
 * @param version the OpenCL version string the device reports
 * @param globalMemoryBytes global memory capacity
 * @param maxAllocationBytes the largest single buffer the device allows
 * @param computeUnits compute units (cores on a CPU device)
 * @param hostUnifiedMemory whether the device shares memory with the host, so host-pointer buffers are
 *     read in place instead of copied
 * @param handle the {@code cl_device_id}
 */
public record OpenClDevice(int index, String platform, String name, String version, long globalMemoryBytes,
        long maxAllocationBytes, int computeUnits, boolean hostUnifiedMemory, MemorySegment handle) {

    /**
     * Lists every device of every OpenCL platform.
     *
     * @return the devices, possibly empty
     * @throws OpenClException when libOpenCL.so.1 is absent or a query fails
     */
    public static List<OpenClDevice> discover() {
        OpenCl cl = OpenCl.get();
        List<OpenClDevice> found = new ArrayList<>();
        for (MemorySegment p : cl.platforms()) {
            String platform = cl.platformName(p);
            for (MemorySegment d : cl.devices(p)) {
                found.add(new OpenClDevice(found.size(), platform,
                        cl.deviceString(d, OpenCl.CL_DEVICE_NAME),
                        cl.deviceString(d, OpenCl.CL_DEVICE_VERSION),
                        cl.deviceLong(d, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE),
                        cl.deviceLong(d, OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                        cl.deviceInt(d, OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS),
                        cl.deviceInt(d, OpenCl.CL_DEVICE_HOST_UNIFIED_MEMORY) != 0,
                        d));
            }
        }
        return List.copyOf(found);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%s (%s, %s, %d compute units, %.1f GiB%s)", name, platform,
                version, computeUnits, globalMemoryBytes / (double) (1L << 30),
                hostUnifiedMemory ? ", host-unified memory" : "");
    }
}
