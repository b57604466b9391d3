package io.jinfer.backend.opencl;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The OpenCL context of one device, shared by every kernel set on it for the life of the JVM:
 * compiled programs (each source built once) and the buffers that wrap host memory (weights, KV
 * caches). A buffer is dropped and released once the memory it was made for is freed (its
 * segment's scope is no longer alive), which happens when a model or session closes.
 */
final class DeviceContext {
    private static final Map<Integer, DeviceContext> CONTEXTS = new HashMap<>();

    private final OpenCl cl = OpenCl.get();
    private final OpenClDevice device;
    private final MemorySegment context;
    private final Map<String, MemorySegment> programs = new HashMap<>();
    private final Map<WeightResidency, Map<MemorySegment, MemorySegment>> weights = Map.of(
            WeightResidency.COPIED, new IdentityHashMap<>(), WeightResidency.IN_PLACE, new IdentityHashMap<>());
    private final Map<MemorySegment, MemorySegment> hostBuffers = new IdentityHashMap<>();
    private long copiedBytes;
    private int builds;

    private DeviceContext(OpenClDevice device) {
        this.device = device;
        this.context = cl.createContext(device.handle());
    }

    /**
     * Returns the context of a device, creating it on first use.
     *
     * @param device the device
     * @return its shared context
     */
    static synchronized DeviceContext of(OpenClDevice device) {
        return CONTEXTS.computeIfAbsent(device.index(), i -> new DeviceContext(device));
    }

    OpenClDevice device() {
        return device;
    }

    OpenCl cl() {
        return cl;
    }

    MemorySegment newQueue() {
        return cl.createQueue(context, device.handle());
    }

    /** Returns the program built from this source, building it the first time (slow: a compiler run). */
    synchronized MemorySegment program(String source) {
        MemorySegment p = programs.get(source);
        if (p == null) {
            p = cl.buildProgram(context, device.handle(), source, "-cl-std=CL1.2");
            programs.put(source, p);
            builds++;
        }
        return p;
    }

    /** How many programs this context has compiled: for tests that check the cache works. */
    synchronized int programBuilds() {
        return builds;
    }

    /** Bytes of weights copied into device buffers so far. */
    synchronized long copiedWeightBytes() {
        return copiedBytes;
    }

    /**
     * Returns the read-only buffer holding a weight's bytes, made on first use: a copy, or a buffer
     * over the mapped file itself.
     */
    synchronized MemorySegment weight(MemorySegment data, WeightResidency residency) {
        Map<MemorySegment, MemorySegment> cache = weights.get(residency);
        MemorySegment b = cache.get(data);
        if (b == null) {
            sweep(cache);
            long flags = OpenCl.CL_MEM_READ_ONLY
                    | (residency == WeightResidency.COPIED ? OpenCl.CL_MEM_COPY_HOST_PTR : OpenCl.CL_MEM_USE_HOST_PTR);
            b = cl.createBuffer(context, flags, data.byteSize(), data);
            if (residency == WeightResidency.COPIED) {
                copiedBytes += data.byteSize();
            }
            cache.put(data, b);
        }
        return b;
    }

    /** Returns a read-write buffer over host memory the caller keeps alive (a KV cache layer). */
    synchronized MemorySegment hostBuffer(MemorySegment host) {
        MemorySegment b = hostBuffers.get(host);
        if (b == null) {
            sweep(hostBuffers);
            b = cl.createBuffer(context, OpenCl.CL_MEM_READ_WRITE | OpenCl.CL_MEM_USE_HOST_PTR, host.byteSize(), host);
            hostBuffers.put(host, b);
        }
        return b;
    }

    /** A device buffer of its own, for activations. */
    MemorySegment scratch(long bytes) {
        return cl.createBuffer(context, OpenCl.CL_MEM_READ_WRITE, bytes, MemorySegment.NULL);
    }

    /** Releases the buffers whose host memory has been freed. */
    private void sweep(Map<MemorySegment, MemorySegment> cache) {
        List<MemorySegment> dead = new ArrayList<>();
        for (Iterator<Map.Entry<MemorySegment, MemorySegment>> it = cache.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (!e.getKey().scope().isAlive()) {
                dead.add(e.getValue());
                it.remove();
            }
        }
        dead.forEach(cl::releaseMemObject);
    }
}
