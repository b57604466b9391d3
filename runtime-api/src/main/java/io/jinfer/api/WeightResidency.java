package io.jinfer.api;

/** Where one layer's weights live while the device that runs the layer reads them. */
public enum WeightResidency {
    /** Copied once into the device's own memory (GPU HBM) when the model loads. */
    DEVICE_RESIDENT,
    /**
     * Memory-mapped on the host and read there: the CPU's own case; for an accelerator without
     * coherent access, the weights are streamed over the link on every use.
     */
    HOST_MAPPED,
    /**
     * Memory-mapped on the host and read in place by the device over a coherent link (Grace-Blackwell
     * NVLink-C2C, an integrated GPU, OpenCL {@code CL_MEM_USE_HOST_PTR}/SVM): no copy, the device reads at
     * the slower of the link and the host memory.
     */
    HOST_MAPPED_READ_IN_PLACE
}
