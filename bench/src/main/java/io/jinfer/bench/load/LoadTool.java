package io.jinfer.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Drives N concurrent streaming chat clients against an OpenAI-compatible server on this machine and
 * reports throughput, time to first token and errors by status. Run it with
 * {@code java -cp ... io.jinfer.bench.load.LoadTool --url http://127.0.0.1:8080 --concurrency 8 --requests 64}.
 */
public final class LoadTool {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LoadOptions options;
    private final HttpClient http;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicLong tokens = new AtomicLong();
    private final Map<String, Integer> errors = new TreeMap<>();
    private final Map<String, String> errorExamples = new TreeMap<>();
    private final List<Long> ttft = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> gaps = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> latency = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> rss = Collections.synchronizedList(new ArrayList<>());

    private LoadTool(LoadOptions options) {
        this.options = options;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * Runs one load and returns what it measured.
     *
     * @param options the run's bounds and request shape
     * @return the report
     */
    public static LoadReport run(LoadOptions options) {
        return new LoadTool(options).go();
    }

    private LoadReport go() {
        long deadline = System.nanoTime() + options.timeLimit().toNanos();
        sampleRss();
        long start = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < options.concurrency(); c++) {
                clients.submit(() -> client(deadline));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        sampleRss();
        long[] rssSamples = options.serverPid() == 0 ? new long[0]
                : rss.stream().mapToLong(Long::longValue).toArray();
        synchronized (errors) {
            return new LoadReport(options.concurrency(), sent.get(), completed.get(), Map.copyOf(errors),
                    tokens.get(), seconds, millis(ttft, 50), millis(ttft, 99), millis(gaps, 50), millis(latency, 50),
                    millis(latency, 99), rssSamples, Map.copyOf(errorExamples));
        }
    }

    private void client(long deadline) {
        while (System.nanoTime() < deadline) {
            int i = next.getAndIncrement();
            if (i >= options.requests()) {
                return;
            }
            sent.incrementAndGet();
            one(i);
            int done = i + 1;
            if (done == options.requests() / 4 || done == options.requests() / 2 || done == options.requests() * 3 / 4) {
                sampleRss();
            }
        }
    }

    private void one(int index) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", options.model());
        body.put("max_tokens", options.maxTokens());
        body.put("stream", true);
        body.put("seed", index);
        body.putArray("messages").addObject().put("role", "user").put("content", options.prompt() + " #" + index);
        HttpRequest.Builder rb = HttpRequest.newBuilder(options.baseUrl().resolve("/v1/chat/completions"))
                .timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (options.apiKey() != null) {
            rb.header("Authorization", "Bearer " + options.apiKey());
        }
        long t0 = System.nanoTime();
        HttpResponse<Stream<String>> response;
        try {
            response = http.send(rb.build(), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            error("io", e.toString());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error("io", "interrupted");
            return;
        }
        if (response.statusCode() != 200) {
            response.body().close();
            error(Integer.toString(response.statusCode()), "HTTP " + response.statusCode());
            return;
        }
        long last = 0;
        long count = 0;
        boolean done = false;
        try (Stream<String> lines = response.body()) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (!line.startsWith("data:")) {
                    continue;
                }
                String data = line.substring(5).trim();
                if (data.equals("[DONE]")) {
                    done = true;
                    break;
                }
                if (!hasContent(data)) {
                    continue;
                }
                long now = System.nanoTime();
                if (count == 0) {
                    ttft.add(now - t0);
                } else {
                    gaps.add(now - last);
                }
                last = now;
                count++;
            }
        } catch (UncheckedIOException e) {
            done = false;
        }
        if (!done) {
            error("stream", "the stream ended after " + count + " content chunks without [DONE]");
            return;
        }
        latency.add(System.nanoTime() - t0);
        tokens.addAndGet(count);
        completed.incrementAndGet();
    }

    private static boolean hasContent(String data) {
        try {
            JsonNode chunk = JSON.readTree(data);
            JsonNode content = chunk.path("choices").path(0).path("delta").path("content");
            return content.isTextual() && !content.asText().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private void error(String key, String message) {
        synchronized (errors) {
            errors.merge(key, 1, Integer::sum);
            errorExamples.putIfAbsent(key, message);
        }
    }

    private void sampleRss() {
        if (options.serverPid() == 0) {
            return;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(options.serverPid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss.add(Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the memory of process " + options.serverPid() + ": " + e);
        }
    }

    private static double millis(List<Long> nanos, int percentile) {
        List<Long> sorted;
        synchronized (nanos) {
            sorted = new ArrayList<>(nanos);
        }
        if (sorted.isEmpty()) {
            return 0;
        }
        Collections.sort(sorted);
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1)) / 1e6;
    }

    /**
     * Command line: {@code --url U --concurrency N --requests M [--max-tokens K] [--time-limit-s S]
     * [--prompt P] [--model NAME] [--api-key KEY] [--server-pid PID]}.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        Map<String, String> a = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: LoadTool --url http://127.0.0.1:8080 --concurrency N --requests M"
                        + " [--max-tokens K] [--time-limit-s S] [--prompt P] [--model NAME] [--api-key KEY]"
                        + " [--server-pid PID]");
                System.exit(2);
            }
            a.put(args[i].substring(2), args[++i]);
        }
        try {
            LoadOptions o = new LoadOptions(URI.create(a.getOrDefault("url", "http://127.0.0.1:8080")),
                    Integer.parseInt(a.getOrDefault("concurrency", "1")),
                    Integer.parseInt(a.getOrDefault("requests", "8")),
                    Integer.parseInt(a.getOrDefault("max-tokens", "32")),
                    Duration.ofSeconds(Long.parseLong(a.getOrDefault("time-limit-s", "600"))),
                    a.getOrDefault("prompt", "Tell me a short story about a cat."),
                    a.getOrDefault("model", "default"), a.get("api-key"),
                    Long.parseLong(a.getOrDefault("server-pid", "0")));
            System.out.print(run(o).format());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
