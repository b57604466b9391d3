package io.jinfer.executor.plan;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.Link;
import io.jinfer.api.Precision;
import io.jinfer.api.Throughput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Built-in device profiles with public specifications, and the parser of {@code --device} lists.
 *
 * <p>Figures (dense, i.e. without 2:4 sparsity; sources in docs/architecture.md, "Devices, budgets and
 * the planner"):
 * <ul>
 * <li>{@code h100}: H100 SXM, 80 GB HBM3, 3.35 TB/s; FP32 67, FP16 989, FP8 and INT8 1979 TFLOPS; no FP4
 *     (FP4 weights run at the FP8 rate); PCIe 5.0 x16 to the host, NVLink 4 to other Hopper GPUs.</li>
 * <li>{@code h200}: the same GPU with 141 GB HBM3e at 4.8 TB/s.</li>
 * <li>{@code b200}: B200 (HGX), 192 GB HBM3e, 8 TB/s; FP32 75 TFLOPS, FP16 2.25, FP8 and INT8 4.5, FP4 9
 *     PFLOPS; NVLink 5 to other Blackwell GPUs.</li>
 * <li>{@code gb200}: one Grace CPU (480 GB LPDDR5X, ~500 GB/s, 72 Neoverse V2 cores) and one Blackwell
 *     GPU of a GB200 superchip (186 GB HBM3e, 8 TB/s; FP16 2.5, FP8 5, FP4 10 PFLOPS), joined by
 *     NVLink-C2C (900 GB/s both directions together, 450 each way), over which the GPU reads Grace
 *     memory in place.</li>
 * <li>{@code rtx4090}: RTX 4090, 24 GB GDDR6X, 1008 GB/s; FP32 82.6, FP16 165, FP8 330, INT8 660
 *     TFLOPS; PCIe 4.0 x16 (~25 GB/s achieved), no NVLink.</li>
 * <li>{@code cpu}: this machine's CPU as measured (bandwidth probe and a matmul calibration).</li>
 * </ul>
 */
public final class DeviceProfiles {
    /** Profile names {@code --device} accepts. */
    public static final List<String> NAMES = List.of("h100", "h200", "b200", "gb200", "rtx4090", "cpu");

    private static final double GB = 1e9;
    private static final double TFLOPS = 1e12;
    private static final double PCIE5 = 50 * GB;
    private static final double PCIE4 = 25 * GB;
    private static final double PCIE_LATENCY = 10e-6;
    private static final double NVLINK_LATENCY = 5e-6;

    /** One device of a profile, with what is needed to link it to the others. */
    private record Member(String profile, String group, DeviceInfo device, double hostLink, String hostLinkName,
            String nvlinkFamily, double nvlink) {}

    private DeviceProfiles() {}

    /**
     * Resolves an alias to a profile name.
     *
     * @param name a profile name or alias ({@code h100-sxm}, {@code 4090}, {@code host})
     * @return the profile name, one of {@link #NAMES}
     * @throws IllegalArgumentException naming the known profiles
     */
    public static String canonical(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        String c = switch (n) {
            case "h100-sxm", "h100sxm" -> "h100";
            case "4090", "rtx-4090" -> "rtx4090";
            case "host" -> "cpu";
            default -> n;
        };
        if (!NAMES.contains(c)) {
            throw new IllegalArgumentException("unknown device profile '" + name + "'; known: " + String.join(", ", NAMES));
        }
        return c;
    }

    /**
     * Builds the topology of a device list such as {@code h100,cpu}, {@code h100x2} or {@code gb200}. A
     * profile given more than once gets ids with {@code #2}, {@code #3}, ...; every pair of devices is
     * joined by its best link (NVLink-C2C inside a GB200, NVLink between GPUs of one generation, else
     * PCIe at the slower card's host link).
     *
     * @param spec comma-separated profile names, each optionally followed by {@code xN}
     * @param hostCpu supplies this machine's CPU (measured) when {@code cpu} is listed
     * @param prices price table; each profile's price is charged once per instance
     * @return the topology
     * @throws IllegalArgumentException on an unknown profile or a bad count
     */
    public static Topology parse(String spec, Supplier<DeviceInfo> hostCpu, PriceTable prices) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("no devices given; use e.g. h100 or cpu,rtx4090 (known: "
                    + String.join(", ", NAMES) + ")");
        }
        List<Member> members = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Double> price = new HashMap<>();
        for (String raw : spec.split(",")) {
            String item = raw.trim().toLowerCase(Locale.ROOT);
            int count = 1;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(.+?)x([0-9]+)").matcher(item);
            if (m.matches() && !item.equals("rtx4090")) {
                item = m.group(1);
                count = Integer.parseInt(m.group(2));
                if (count < 1 || count > 64) {
                    throw new IllegalArgumentException("device count in '" + raw.trim() + "' must be in [1, 64]");
                }
            }
            String profile = canonical(item);
            for (int i = 0; i < count; i++) {
                int n = seen.merge(profile, 1, Integer::sum);
                String id = n == 1 ? profile : profile + "#" + n;
                List<Member> made = members(profile, id, hostCpu);
                members.addAll(made);
                // The profile's price goes to its first device (a GB200's to its GPU, not its Grace).
                price.put(made.get(made.size() - 1).device().id(), prices.price(profile));
            }
        }
        return new Topology(members.stream().map(Member::device).toList(), links(members), price);
    }

    private static List<Member> members(String profile, String id, Supplier<DeviceInfo> hostCpu) {
        return switch (profile) {
            case "h100" -> List.of(gpu(profile, id, "NVIDIA H100 SXM (80 GB HBM3)", 80, 132, 3350 * GB,
                    rates(67, 989, 1979, 1979, 0), PCIE5, "PCIe 5.0 x16", "hopper", 450 * GB));
            case "h200" -> List.of(gpu(profile, id, "NVIDIA H200 SXM (141 GB HBM3e)", 141, 132, 4800 * GB,
                    rates(67, 989, 1979, 1979, 0), PCIE5, "PCIe 5.0 x16", "hopper", 450 * GB));
            case "b200" -> List.of(gpu(profile, id, "NVIDIA B200 (192 GB HBM3e)", 192, 148, 8000 * GB,
                    rates(75, 2250, 4500, 4500, 9000), PCIE5, "PCIe 5.0 x16", "blackwell", 900 * GB));
            case "rtx4090" -> List.of(gpu(profile, id, "NVIDIA RTX 4090 (24 GB GDDR6X)", 24, 128, 1008 * GB,
                    rates(82.6, 165, 330, 660, 0), PCIE4, "PCIe 4.0 x16", "none-" + id, 0));
            case "gb200" -> {
                DeviceInfo grace = new DeviceInfo(id + ".grace", DeviceInfo.Kind.CPU,
                        "NVIDIA Grace (72 Neoverse V2 cores, 480 GB LPDDR5X)", 480_000_000_000L, -1, 72, 500 * GB,
                        Throughput.of(Map.of(Precision.FP32, 7.1 * TFLOPS)), true);
                Member g = new Member(profile, id, grace, Double.POSITIVE_INFINITY, "host", "grace", 0);
                Member b = gpu(profile, id, "NVIDIA Blackwell GPU of a GB200 (186 GB HBM3e)", 186, 148, 8000 * GB,
                        rates(80, 2500, 5000, 5000, 10000), PCIE5, "PCIe 5.0 x16", "blackwell", 900 * GB);
                // The GPU reads Grace memory in place over NVLink-C2C.
                DeviceInfo d = b.device();
                DeviceInfo gpu = new DeviceInfo(id + ".gpu", d.kind(), d.name(), d.memoryBytes(), d.freeMemoryBytes(),
                        d.computeUnits(), d.memoryBandwidth(), d.throughput(), true);
                yield List.of(g, new Member(profile, id, gpu, b.hostLink(), b.hostLinkName(), b.nvlinkFamily(),
                        b.nvlink()));
            }
            case "cpu" -> {
                DeviceInfo host = hostCpu.get();
                if (!id.equals(host.id())) {
                    host = host.withId(id);
                }
                yield List.of(new Member(profile, id, host, Double.POSITIVE_INFINITY, "host", "cpu-" + id, 0));
            }
            default -> throw new IllegalArgumentException("unknown device profile '" + profile + "'");
        };
    }

    private static Member gpu(String profile, String id, String name, double gigabytes, int sms, double bandwidth,
            Throughput t, double hostLink, String hostLinkName, String family, double nvlink) {
        DeviceInfo d = new DeviceInfo(id, DeviceInfo.Kind.CUDA, name, (long) (gigabytes * GB), -1, sms, bandwidth, t,
                false);
        return new Member(profile, id, d, hostLink, hostLinkName, family, nvlink);
    }

    /** Dense rates in TFLOPS; 0 means the precision is not native. */
    private static Throughput rates(double fp32, double fp16, double fp8, double int8, double fp4) {
        Map<Precision, Double> m = new HashMap<>();
        m.put(Precision.FP32, fp32 * TFLOPS);
        m.put(Precision.FP16, fp16 * TFLOPS);
        m.put(Precision.FP8, fp8 * TFLOPS);
        m.put(Precision.INT8, int8 * TFLOPS);
        if (fp4 > 0) {
            m.put(Precision.FP4, fp4 * TFLOPS);
        }
        return Throughput.of(m);
    }

    private static List<Link> links(List<Member> members) {
        List<Link> links = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            for (int j = i + 1; j < members.size(); j++) {
                Member a = members.get(i);
                Member b = members.get(j);
                String x = a.device().id();
                String y = b.device().id();
                if (a.group().equals(b.group()) && a.profile().equals("gb200")) {
                    links.add(new Link(x, y, "NVLink-C2C", 450 * GB, 1e-6));
                } else if (a.nvlinkFamily().equals(b.nvlinkFamily()) && a.nvlink() > 0) {
                    links.add(new Link(x, y, "NVLink", Math.min(a.nvlink(), b.nvlink()), NVLINK_LATENCY));
                } else {
                    double bw = Math.min(a.hostLink(), b.hostLink());
                    String name = a.hostLink() <= b.hostLink() ? a.hostLinkName() : b.hostLinkName();
                    if (Double.isInfinite(bw)) {
                        // Two CPUs (e.g. this machine and a GB200's Grace): not a real pair; a slow network.
                        bw = 12.5 * GB;
                        name = "network";
                    }
                    links.add(new Link(x, y, name, bw, PCIE_LATENCY));
                }
            }
        }
        return links;
    }
}
