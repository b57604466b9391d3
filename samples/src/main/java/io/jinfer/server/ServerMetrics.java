package io.jinfer.server;

import io.jinfer.api.GenerationScheduler;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import java.util.List;

/**
 * The server's measurements, recorded through the OpenTelemetry metrics API on an SDK meter provider
 * whose only reader is {@link PrometheusReader}, so {@code GET /metrics} shows them as Prometheus text.
 * Names follow Prometheus conventions already (unit suffixes), so the text needs no renaming.
 */
public final class ServerMetrics implements AutoCloseable {
    private static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("endpoint");
    private static final AttributeKey<String> STATUS = AttributeKey.stringKey("status");
    private static final AttributeKey<String> REASON = AttributeKey.stringKey("finish_reason");
    private static final List<Double> LATENCY_BUCKETS = List.of(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0);

    private final SdkMeterProvider provider;
    private final PrometheusReader reader = new PrometheusReader();
    private final LongCounter requests;
    private final LongCounter promptTokens;
    private final LongCounter generatedTokens;
    private final LongCounter finished;
    private final DoubleHistogram timeToFirstToken;
    private final DoubleHistogram interTokenLatency;
    private final DoubleHistogram requestDuration;

    /**
     * Creates the instruments; queue depth and running sequences are read from the scheduler at each scrape.
     *
     * @param scheduler the scheduler whose queue and running count are reported
     */
    public ServerMetrics(GenerationScheduler scheduler) {
        provider = SdkMeterProvider.builder().registerMetricReader(reader).build();
        Meter meter = provider.get("io.jinfer.server");
        requests = meter.counterBuilder("jinfer_http_requests").setDescription("HTTP requests by endpoint and status")
                .build();
        promptTokens = meter.counterBuilder("jinfer_prompt_tokens").setDescription("prompt tokens processed").build();
        generatedTokens = meter.counterBuilder("jinfer_generated_tokens").setDescription("tokens generated").build();
        finished = meter.counterBuilder("jinfer_generations").setDescription("finished generations by finish reason")
                .build();
        timeToFirstToken = meter.histogramBuilder("jinfer_time_to_first_token_seconds").setUnit("s")
                .setDescription("time from a request's arrival to its first generated token")
                .setExplicitBucketBoundariesAdvice(LATENCY_BUCKETS).build();
        interTokenLatency = meter.histogramBuilder("jinfer_inter_token_latency_seconds").setUnit("s")
                .setDescription("time between two generated tokens of one stream")
                .setExplicitBucketBoundariesAdvice(LATENCY_BUCKETS).build();
        requestDuration = meter.histogramBuilder("jinfer_request_duration_seconds").setUnit("s")
                .setDescription("time from a generation request's arrival to its last byte")
                .setExplicitBucketBoundariesAdvice(LATENCY_BUCKETS).build();
        meter.gaugeBuilder("jinfer_queue_depth").ofLongs().setDescription("requests waiting for a sequence slot")
                .buildWithCallback(m -> m.record(scheduler.queuedRequests()));
        meter.gaugeBuilder("jinfer_running_sequences").ofLongs()
                .setDescription("sequences being prefilled or decoded")
                .buildWithCallback(m -> m.record(scheduler.runningRequests()));
        meter.gaugeBuilder("jinfer_kv_pages_in_use").ofLongs()
                .setDescription("KV cache pages (16 positions each) held by running sequences")
                .buildWithCallback(m -> m.record(scheduler.kvPagesInUse()));
    }

    /**
     * Counts one answered HTTP request.
     *
     * @param endpoint the route, e.g. {@code /v1/chat/completions}
     * @param status the HTTP status sent
     */
    public void request(String endpoint, int status) {
        requests.add(1, Attributes.of(ENDPOINT, endpoint, STATUS, Integer.toString(status)));
    }

    /**
     * Counts a finished generation and its tokens.
     *
     * @param finishReason the OpenAI finish reason, or {@code cancelled}
     * @param prompt prompt tokens
     * @param generated generated tokens
     * @param seconds time from arrival to the end
     */
    public void generation(String finishReason, int prompt, int generated, double seconds) {
        finished.add(1, Attributes.of(REASON, finishReason));
        promptTokens.add(prompt);
        generatedTokens.add(generated);
        requestDuration.record(seconds);
    }

    /**
     * Records the time to a stream's first token.
     *
     * @param seconds time from arrival to the first token
     */
    public void firstToken(double seconds) {
        timeToFirstToken.record(seconds);
    }

    /**
     * Records the gap between two tokens of a stream.
     *
     * @param seconds the gap
     */
    public void interToken(double seconds) {
        interTokenLatency.record(seconds);
    }

    /**
     * Renders every metric in the Prometheus text exposition format (version 0.0.4).
     *
     * @return the text {@code GET /metrics} answers with
     */
    public String prometheusText() {
        return reader.scrape();
    }

    /** Stops the meter provider. */
    @Override
    public void close() {
        provider.close();
    }
}
