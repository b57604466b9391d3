package io.jinfer.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which device (backend) runs each transformer block of a model: contiguous ranges of layers, in
 * order, covering every layer once. The embedding lookup and the output run on the engine's first
 * device. Activations cross between devices only where one range ends and the next begins.
 *
 * @param ranges the ranges, ascending and contiguous from layer 0 to the last
 */
public record LayerPlacement(List<Range> ranges) {

    /**
     * Layers {@code first..last} (inclusive) on one device.
     *
     * @param first first layer
     * @param last last layer, at least {@code first}
     * @param device the backend name
     */
    public record Range(int first, int last, String device) {
        /** Checks the bounds. */
        public Range {
            if (first < 0 || last < first) {
                throw new IllegalArgumentException("bad layer range " + first + "-" + last);
            }
            if (device == null || device.isBlank()) {
                throw new IllegalArgumentException("layer range " + first + "-" + last + " names no device");
            }
        }

        @Override
        public String toString() {
            return (first == last ? String.valueOf(first) : first + "-" + last) + ":" + device;
        }
    }

    /** Checks that the ranges are contiguous from layer 0. */
    public LayerPlacement {
        ranges = List.copyOf(ranges);
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("a placement needs at least one layer range");
        }
        int next = 0;
        for (Range r : ranges) {
            if (r.first() != next) {
                throw new IllegalArgumentException("layer ranges " + ranges + " must be in order and contiguous: "
                        + "expected one starting at layer " + next + ", found " + r);
            }
            next = r.last() + 1;
        }
    }

    /**
     * Every layer on one device: the default.
     *
     * @param device the backend name
     * @param layers the model's layer count
     * @return the placement
     */
    public static LayerPlacement single(String device, int layers) {
        return new LayerPlacement(List.of(new Range(0, layers - 1, device)));
    }

    /**
     * Reads a split such as {@code 0-1:opencl,2-3:cpu} (or {@code auto}) for a model.
     *
     * @param spec the split
     * @param layers the model's layer count
     * @param devices the devices the engine runs; every range must name one of them
     * @return the placement
     * @throws IllegalArgumentException naming the bad range, an unknown device, a gap or an overlap, or
     *     layers left out
     */
    public static LayerPlacement parse(String spec, int layers, List<String> devices) {
        if (spec.trim().toLowerCase(Locale.ROOT).equals("auto")) {
            return auto(layers, devices);
        }
        List<Range> ranges = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            int colon = p.lastIndexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                throw new IllegalArgumentException("layer range '" + p + "' is not FIRST-LAST:DEVICE");
            }
            String device = p.substring(colon + 1).trim();
            if (!devices.contains(device)) {
                throw new IllegalArgumentException("layer range '" + p + "' names device '" + device
                        + "', which is not among the devices " + devices);
            }
            String[] bounds = p.substring(0, colon).split("-", -1);
            try {
                int first = Integer.parseInt(bounds[0].trim());
                int last = bounds.length == 1 ? first : Integer.parseInt(bounds[1].trim());
                if (bounds.length > 2) {
                    throw new NumberFormatException();
                }
                ranges.add(new Range(first, last, device));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("layer range '" + p + "' is not FIRST-LAST:DEVICE", e);
            }
        }
        ranges.sort(java.util.Comparator.comparingInt(Range::first));
        LayerPlacement placement = new LayerPlacement(ranges);
        int covered = ranges.getLast().last() + 1;
        if (covered != layers) {
            throw new IllegalArgumentException("split " + spec + " covers layers 0-" + (covered - 1)
                    + " but the model has " + layers + " (0-" + (layers - 1) + ")");
        }
        return placement;
    }

    /**
     * The split chosen for {@code --split auto}: for now the layers are shared out evenly, in the
     * order the devices are listed. This is the one place a planner (io.jinfer.executor.plan) plugs
     * in, with the devices' bandwidth and memory and the model's per-layer cost.
     *
     * @param layers the model's layer count
     * @param devices the devices, first to last
     * @return the placement
     */
    public static LayerPlacement auto(int layers, List<String> devices) {
        List<Range> ranges = new ArrayList<>();
        int used = Math.min(devices.size(), layers);
        int first = 0;
        for (int d = 0; d < used; d++) {
            int count = layers / used + (d < layers % used ? 1 : 0);
            ranges.add(new Range(first, first + count - 1, devices.get(d)));
            first += count;
        }
        return new LayerPlacement(ranges);
    }

    /**
     * Returns the device of one layer.
     *
     * @param layer a layer index
     * @return the device that runs it
     * @throws IndexOutOfBoundsException when no range holds the layer
     */
    public String deviceOf(int layer) {
        for (Range r : ranges) {
            if (layer >= r.first() && layer <= r.last()) {
                return r.device();
            }
        }
        throw new IndexOutOfBoundsException("layer " + layer + " is outside " + this);
    }

    /**
     * Returns the number of layers placed.
     *
     * @return layers covered by the ranges
     */
    public int layers() {
        return ranges.getLast().last() + 1;
    }

    @Override
    public String toString() {
        return String.join(",", ranges.stream().map(Range::toString).toList());
    }
}
