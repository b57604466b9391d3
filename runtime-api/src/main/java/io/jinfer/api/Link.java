package io.jinfer.api;

/**
 * A data path between two devices: activations cross it at the boundary of a split, and a device
 * that {@link DeviceInfo#readsHostMemoryInPlace() reads host memory in place} reads weights through it.
 *
 * @param from one end's device id
 * @param to the other end's device id (links are symmetric)
 * @param name what it is, e.g. {@code PCIe 4.0 x16} or {@code NVLink-C2C}
 * @param bandwidth bytes per second in each direction
 * @param latencySeconds time of one transfer before its first byte arrives
 */
public record Link(String from, String to, String name, double bandwidth, double latencySeconds) {

    /** Checks the values. */
    public Link {
        if (from == null || to == null || from.isBlank() || to.isBlank() || from.equals(to)) {
            throw new IllegalArgumentException("a link joins two different devices, got " + from + " and " + to);
        }
        if (!(bandwidth > 0) || Double.isInfinite(bandwidth)) {
            throw new IllegalArgumentException("link " + from + "-" + to + ": bandwidth must be finite and > 0, got "
                    + bandwidth);
        }
        if (!(latencySeconds >= 0) || Double.isInfinite(latencySeconds)) {
            throw new IllegalArgumentException("link " + from + "-" + to + ": latency must be finite and >= 0, got "
                    + latencySeconds);
        }
        if (name == null || name.isBlank()) {
            name = "link";
        }
    }

    /**
     * Tells whether this link joins two devices, in either direction.
     *
     * @param a one device id
     * @param b the other device id
     * @return whether it joins them
     */
    public boolean joins(String a, String b) {
        return from.equals(a) && to.equals(b) || from.equals(b) && to.equals(a);
    }

    /**
     * Returns the time to move {@code bytes} across: latency plus bytes over bandwidth.
     *
     * @param bytes bytes moved
     * @return seconds
     */
    public double seconds(double bytes) {
        return latencySeconds + bytes / bandwidth;
    }
}
