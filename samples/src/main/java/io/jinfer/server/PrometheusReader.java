package io.jinfer.server;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A pull {@link MetricReader} that renders what the OpenTelemetry SDK collected as Prometheus text.
 * The OpenTelemetry Prometheus exporter is not available from the registry this project builds
 * against, and the server already has an HTTP endpoint, so this small renderer takes its place:
 * monotonic sums become counters ({@code _total}), gauges and other sums gauges, explicit-bucket
 * histograms {@code _bucket}/{@code _sum}/{@code _count} series.
 */
final class PrometheusReader implements MetricReader {
    private volatile CollectionRegistration registration = CollectionRegistration.noop();

    @Override
    public void register(CollectionRegistration r) {
        registration = r;
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType type) {
        return AggregationTemporality.CUMULATIVE;
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }

    /** Collects every metric now and renders it. */
    String scrape() {
        List<MetricData> metrics = new ArrayList<>(registration.collectAllMetrics());
        metrics.sort(Comparator.comparing(MetricData::getName));
        StringBuilder sb = new StringBuilder();
        for (MetricData m : metrics) {
            String name = sanitize(m.getName());
            switch (m.getType()) {
                case LONG_SUM -> {
                    boolean counter = m.getLongSumData().isMonotonic();
                    String series = counter && !name.endsWith("_total") ? name + "_total" : name;
                    header(sb, series, m.getDescription(), counter ? "counter" : "gauge");
                    for (LongPointData p : sorted(m.getLongSumData().getPoints())) {
                        sample(sb, series, p.getAttributes(), null, Long.toString(p.getValue()));
                    }
                }
                case DOUBLE_SUM -> {
                    boolean counter = m.getDoubleSumData().isMonotonic();
                    String series = counter && !name.endsWith("_total") ? name + "_total" : name;
                    header(sb, series, m.getDescription(), counter ? "counter" : "gauge");
                    for (DoublePointData p : sorted(m.getDoubleSumData().getPoints())) {
                        sample(sb, series, p.getAttributes(), null, number(p.getValue()));
                    }
                }
                case LONG_GAUGE -> {
                    header(sb, name, m.getDescription(), "gauge");
                    for (LongPointData p : sorted(m.getLongGaugeData().getPoints())) {
                        sample(sb, name, p.getAttributes(), null, Long.toString(p.getValue()));
                    }
                }
                case DOUBLE_GAUGE -> {
                    header(sb, name, m.getDescription(), "gauge");
                    for (DoublePointData p : sorted(m.getDoubleGaugeData().getPoints())) {
                        sample(sb, name, p.getAttributes(), null, number(p.getValue()));
                    }
                }
                case HISTOGRAM -> {
                    header(sb, name, m.getDescription(), "histogram");
                    for (HistogramPointData p : sorted(m.getHistogramData().getPoints())) {
                        histogram(sb, name, p);
                    }
                }
                default -> { } // exponential histograms and summaries: the server records none
            }
        }
        return sb.toString();
    }

    private static void histogram(StringBuilder sb, String name, HistogramPointData p) {
        long cumulative = 0;
        List<Double> bounds = p.getBoundaries();
        List<Long> counts = p.getCounts();
        for (int i = 0; i < counts.size(); i++) {
            cumulative += counts.get(i);
            String le = i < bounds.size() ? number(bounds.get(i)) : "+Inf";
            sample(sb, name + "_bucket", p.getAttributes(), le, Long.toString(cumulative));
        }
        sample(sb, name + "_sum", p.getAttributes(), null, number(p.getSum()));
        sample(sb, name + "_count", p.getAttributes(), null, Long.toString(p.getCount()));
    }

    private static <P extends PointData> List<P> sorted(java.util.Collection<P> points) {
        List<P> list = new ArrayList<>(points);
        list.sort(Comparator.comparing(p -> p.getAttributes().toString()));
        return list;
    }

    private static void header(StringBuilder sb, String name, String help, String type) {
        if (help != null && !help.isEmpty()) {
            sb.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                    .append('\n');
        }
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder sb, String name, Attributes attributes, String le, String value) {
        sb.append(name);
        Map<AttributeKey<?>, Object> map = attributes.asMap();
        if (!map.isEmpty() || le != null) {
            sb.append('{');
            boolean first = true;
            for (var e : map.entrySet().stream().sorted(Comparator.comparing(e -> e.getKey().getKey())).toList()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(sanitize(e.getKey().getKey())).append("=\"").append(escape(String.valueOf(e.getValue())))
                        .append('"');
            }
            if (le != null) {
                sb.append(first ? "" : ",").append("le=\"").append(le).append('"');
            }
            sb.append('}');
        }
        sb.append(' ').append(value).append('\n');
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%.1f", v) : Double.toString(v);
    }

    private static String sanitize(String name) {
        return name.replaceAll("[^a-zA-Z0-9_:]", "_");
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
