package io.jinfer.executor.plan;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.Link;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The devices a plan may use, the links between them, and what each costs per hour.
 *
 * @param devices the devices, ids unique
 * @param links links between them
 * @param usdPerHour price of each device per hour, by device id (absent: free)
 */
public record Topology(List<DeviceInfo> devices, List<Link> links, Map<String, Double> usdPerHour) {

    /** Copies the lists and checks that ids are unique and links join known devices. */
    public Topology {
        devices = List.copyOf(devices);
        links = List.copyOf(links);
        usdPerHour = Map.copyOf(usdPerHour);
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("a plan needs at least one device");
        }
        Set<String> ids = new HashSet<>();
        for (DeviceInfo d : devices) {
            if (!ids.add(d.id())) {
                throw new IllegalArgumentException("two devices share the id '" + d.id() + "'");
            }
        }
        for (Link l : links) {
            if (!ids.contains(l.from()) || !ids.contains(l.to())) {
                throw new IllegalArgumentException("link " + l.name() + " joins " + l.from() + " and " + l.to()
                        + ", which are not both among the devices " + ids);
            }
        }
        usdPerHour.forEach((id, usd) -> {
            if (!(usd >= 0) || Double.isInfinite(usd)) {
                throw new IllegalArgumentException("price of " + id + " must be finite and >= 0, got " + usd);
            }
        });
    }

    /**
     * Finds a device by id.
     *
     * @param id the id
     * @return the device
     * @throws IllegalArgumentException when there is none
     */
    public DeviceInfo device(String id) {
        return devices.stream().filter(d -> d.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no device '" + id + "'"));
    }

    /**
     * Returns the host: the first CPU device, whose memory other devices may read in place.
     *
     * @return the host CPU, if one is listed
     */
    public Optional<DeviceInfo> host() {
        return devices.stream().filter(d -> d.kind() == DeviceInfo.Kind.CPU).findFirst();
    }

    /**
     * Returns the fastest link between two devices.
     *
     * @param a one device id
     * @param b another device id
     * @return the link, if any
     */
    public Optional<Link> link(String a, String b) {
        return links.stream().filter(l -> l.joins(a, b)).max((x, y) -> Double.compare(x.bandwidth(), y.bandwidth()));
    }

    /**
     * Returns the price of all devices together: a plan pays for every device it was given.
     *
     * @return USD per hour
     */
    public double totalUsdPerHour() {
        return usdPerHour.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}
