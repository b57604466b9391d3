package io.jinfer.backend.opencl;

import java.util.Locale;

/** Where the device reads a weight tensor from. */
public enum WeightResidency {
    /** Copied once into a device buffer ({@code CL_MEM_COPY_HOST_PTR}). */
    COPIED,
    /** Read in place from the memory-mapped file ({@code CL_MEM_USE_HOST_PTR}); nothing is copied. */
    IN_PLACE;

    /** System property that chooses the residency: {@code copy}, {@code inplace} or {@code auto}. */
    public static final String PROPERTY = "jinfer.opencl.weights";

    /**
     * Chooses from {@link #PROPERTY}; {@code auto} (the default) reads in place on devices that share
     * memory with the host and copies elsewhere.
     *
     * @param device the device the weights are for
     * @return the residency to use
     * @throws IllegalArgumentException when the property holds another value
     */
    public static WeightResidency fromSystemProperty(OpenClDevice device) {
        String v = System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT);
        return switch (v) {
            case "copy", "copied" -> COPIED;
            case "inplace", "in-place", "in_place" -> IN_PLACE;
            case "auto" -> device.hostUnifiedMemory() ? IN_PLACE : COPIED;
            default -> throw new IllegalArgumentException(PROPERTY + " must be copy, inplace or auto, got '" + v + "'");
        };
    }
}
