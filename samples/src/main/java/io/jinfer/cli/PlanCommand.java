package io.jinfer.cli;

import io.jinfer.api.DeviceInfo;
import io.jinfer.api.QuantFormat;
import io.jinfer.executor.plan.CpuCalibration;
import io.jinfer.executor.plan.DeviceProfiles;
import io.jinfer.executor.plan.DeviceUsage;
import io.jinfer.executor.plan.GgufProfiles;
import io.jinfer.executor.plan.ModelProfile;
import io.jinfer.executor.plan.ModelShapes;
import io.jinfer.executor.plan.Plan;
import io.jinfer.executor.plan.PlanBudgets;
import io.jinfer.executor.plan.PlanRequest;
import io.jinfer.executor.plan.Planner;
import io.jinfer.executor.plan.Prediction;
import io.jinfer.executor.plan.PriceTable;
import io.jinfer.executor.plan.Topology;
import io.jinfer.executor.plan.WeightFormats;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code jinfer plan}: where a model's layers, weights and KV cache would go on a set of devices
 * (built-in profiles of public specs, or this machine's CPU as measured), whether it fits the budgets,
 * the predicted prefill and decode speed and the cost per million tokens. With {@code --measure}
 * (this machine's CPU only) it also runs the model and prints predicted against measured speed.
 */
public final class PlanCommand implements Command {
    /** Creates the command; it keeps no state between runs. */
    public PlanCommand() {}

    @Override
    public String name() {
        return "plan";
    }

    @Override
    public String synopsis() {
        return "--model FILE | --shape 1b|8b|70b|405b --format F [--device PROFILE[xN],...] [--ctx N] [--batch B] "
                + "[--price PROFILE=USD,...] [--measure]";
    }

    @Override
    public String summary() {
        return "Plan a model on devices: whether it fits, the split, predicted tokens/s and cost per million tokens.";
    }

    @Override
    public List<Option> options() {
        return List.of(
                Option.value("--model", "FILE", "GGUF model: sizes from its tensor table"),
                Option.value("--shape", "S", "built-in shape instead of a file: " + String.join(", ",
                        ModelShapes.SHAPES.keySet()) + " (or 1b, 8b, 70b, 405b)"),
                Option.value("--format", "F", "weight format of --shape: nvfp4, mxfp4, fp8, q4_0, q4_k, q8_0, f16, bf16, ..."),
                Option.value("--device", "LIST", "devices, comma-separated, NAMExN for several: " + String.join(", ",
                        DeviceProfiles.NAMES) + " (cpu: this machine, measured; default cpu)"),
                Option.value("--ctx", "N", "context length per sequence (default 4096, at most the model's)"),
                Option.value("--batch", "B", "sequences decoded together (default 1)"),
                Option.value("--chunk", "N", "prompt tokens per prefill pass (default 512; --measure: 64, jinfer's)"),
                Option.value("--kv", "F", "KV cache format (default f16)"),
                Option.value("--price", "P=USD,...", "USD per hour per profile, overriding the defaults (h100 2.50, "
                        + "h200 3.50, b200 5.50, gb200 6.50, rtx4090 0.40, cpu 0.05)"),
                Option.value("--budget", "ID=SIZE,...", "memory budget per device id, e.g. h100=40G,cpu=8G"),
                Option.value("--usable", "F", "share of each device's memory a plan may use (default 0.9)"),
                Threads.OPTION,
                Option.flag("--measure", "also run the model on this machine's CPU (--device cpu) and print "
                        + "predicted against measured tokens/s (--shape 1b uses bench's generated llama1b)"));
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        args.expectPositionals(0, "no arguments");
        boolean measure = args.has("--measure");
        int threads = Threads.parse(args);
        String deviceSpec = args.has("--device") ? args.string("--device") : "cpu";
        if (measure && !deviceSpec.trim().equalsIgnoreCase("cpu")) {
            throw new UsageException("--measure runs on this machine's CPU: use it with --device cpu");
        }
        int chunk = args.intValue("--chunk", measure ? 64 : 512, 1, 65536);
        int batch = args.intValue("--batch", 1, 1, 4096);
        QuantFormat kv = parse(() -> WeightFormats.parse(args.has("--kv") ? args.string("--kv") : "f16"), "--kv");
        Path modelFile = args.path("--model");
        ModelProfile model;
        if (modelFile != null) {
            if (args.has("--shape") || args.has("--format")) {
                throw new UsageException("--shape and --format describe a model without a file; not with --model");
            }
            ModelSource.file(modelFile).close();
            model = GgufProfiles.read(modelFile, kv);
        } else if (args.has("--shape")) {
            ModelShapes.Shape shape = parse(() -> ModelShapes.shape(args.string("--shape")), "--shape");
            QuantFormat f = parse(() -> WeightFormats.parse(args.has("--format") ? args.string("--format") : "q4_0"),
                    "--format");
            if (measure) {
                if (!shape.name().equals("llama3-1b")) {
                    throw new UsageException("--measure runs the model here: use --shape 1b (or --model FILE)");
                }
                modelFile = ModelSource.cached("llama1b", f, err).path();
                model = GgufProfiles.read(modelFile, kv);
            } else {
                model = ModelShapes.profile(shape, f, kv);
            }
        } else {
            throw new UsageException("give --model FILE or --shape NAME");
        }
        ModelProfile m = model;
        int ctx = args.intValue("--ctx", Math.min(4096, m.trainedContext()), 1, PlanRequest.MAX_CONTEXT);
        PriceTable prices = args.has("--price") ? parse(() -> PriceTable.DEFAULTS.with(args.string("--price")), "--price")
                : PriceTable.DEFAULTS;
        String formatName = m.format();
        Supplier<DeviceInfo> host = () -> {
            err.println("jinfer: measuring this CPU (memory bandwidth" + (measure ? "" : ", cached") + "; "
                    + formatName + " matmul calibration, a few seconds)");
            return CpuCalibration.hostDevice(threads, WeightFormats.parse(formatName), chunk, measure);
        };
        Topology topology = parse(() -> DeviceProfiles.parse(deviceSpec, host, prices), "--device");
        PlanBudgets budgets = parse(() -> new PlanBudgets(args.floatValue("--usable", 0.9f, x -> x > 0 && x <= 1,
                "in (0, 1]"), deviceBudgets(args.string("--budget"), topology), Long.MAX_VALUE, Long.MAX_VALUE),
                "--budget");
        PlanRequest request = parse(() -> new PlanRequest(m, topology, budgets, ctx, batch, chunk), "--ctx");
        Plan plan = Planner.plan(request);
        PlanReport.print(plan, out);
        if (measure && plan.fits()) {
            PlanMeasurement.compare(plan, modelFile, threads, err, out);
        }
        out.flush();
        return plan.fits() ? 0 : Main.EXIT_FAILURE;
    }

    /** Turns the planner's {@link IllegalArgumentException}s about user input into usage errors. */
    private static <T> T parse(Supplier<T> s, String option) {
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    private static Map<String, Long> deviceBudgets(String spec, Topology topology) {
        Map<String, Long> m = new LinkedHashMap<>();
        if (spec == null) {
            return m;
        }
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected DEVICE=SIZE such as h100=40G, got '" + part.trim() + "'");
            }
            String id = part.substring(0, eq).trim();
            topology.device(id);
            m.put(id, bytes(part.substring(eq + 1).trim()));
        }
        return m;
    }

    /**
     * @param s a size: bytes, or a number with K, M, G or T (powers of 1000) and an optional B
     * @return bytes
     */
    static long bytes(String s) {
        String t = s.toUpperCase(Locale.ROOT).replaceAll("B$", "");
        double scale = 1;
        if (!t.isEmpty() && "KMGT".indexOf(t.charAt(t.length() - 1)) >= 0) {
            scale = Math.pow(1000, "KMGT".indexOf(t.charAt(t.length() - 1)) + 1);
            t = t.substring(0, t.length() - 1);
        }
        try {
            double v = Double.parseDouble(t) * scale;
            if (!(v >= 1) || v > 9e18) {
                throw new IllegalArgumentException("size '" + s + "' must be at least 1 byte");
            }
            return (long) v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + s + "' is not a number with an optional K, M, G or T");
        }
    }

    /** Speeds in the report: prediction for text and for --measure. */
    static String speed(double tokensPerSecond) {
        return String.format(Locale.ROOT, tokensPerSecond >= 100 ? "%.0f" : "%.2f", tokensPerSecond);
    }

    /** Cost per million tokens in USD. */
    static String usd(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, v >= 1 ? "$%.2f" : "$%.4f", v) : "-";
    }

    /** For reports: how a device usage reads. */
    static String usage(DeviceUsage u) {
        return String.format(Locale.ROOT, "weights %s, KV %s, scratch %s of a %s budget", gb(u.weightBytes()),
                gb(u.kvBytes()), gb(u.scratchBytes()), gb(u.budgetBytes()));
    }

    static String gb(long bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.1f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    /** The prediction's main numbers, for reports. */
    static String[] phases(Prediction p, int batch) {
        return new String[] {
            String.format(Locale.ROOT, "prefill  %s tokens/s  %s per million tokens", speed(p.prefillTokensPerSecond()),
                    usd(p.prefillUsdPerMillion())),
            String.format(Locale.ROOT, "decode   %s tokens/s  %s per million tokens%s", speed(p.decodeTokensPerSecond()),
                    usd(p.decodeUsdPerMillion()), batch == 1 ? ""
                            : " (batch " + batch + ": " + speed(p.decodeTokensPerSecond() / batch) + " per sequence)")
        };
    }
}
