package io.jinfer.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.SchedulerOptions;
import io.jinfer.api.SessionOptions;
import io.jinfer.loader.synth.Architecture;
import io.jinfer.loader.synth.SyntheticModel;
import io.jinfer.loader.synth.SyntheticModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real server on a free loopback port over a generated model: the tiny synthetic Llama with a
 * 4096-position context, so a long generation runs for seconds and can be cancelled or queued behind.
 */
final class TestServer implements AutoCloseable {
    static final String MODEL_ID = "tiny-test";
    private static Path modelFile;

    final Runtime runtime;
    final Model model;
    final GenerationScheduler scheduler;
    final OpenAiServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    private TestServer(Path file, SchedulerOptions options, ServerConfig config) {
        runtime = Runtime.builder().threads(2).build();
        model = runtime.loadModel(file);
        scheduler = model.newScheduler(options);
        server = new OpenAiServer(model, scheduler, config).start();
    }

    /** The generated model, written once per JVM. */
    static synchronized Path modelFile() {
        if (modelFile == null) {
            try {
                Path dir = Files.createTempDirectory("jinfer-server-test-");
                dir.toFile().deleteOnExit();
                Path file = dir.resolve(MODEL_ID + ".gguf");
                file.toFile().deleteOnExit();
                SyntheticModel tiny = SyntheticModel.tiny();
                SyntheticModels.write(new SyntheticModel(Architecture.LLAMA, tiny.dim(), tiny.layers(), tiny.heads(),
                        tiny.kvHeads(), tiny.ffn(), tiny.vocab(), 4096, tiny.ropeBase(), false, QuantFormat.Q8_0,
                        tiny.seed()), file);
                modelFile = file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return modelFile;
    }

    static TestServer start() {
        return start(new SchedulerOptions(2, 16, SessionOptions.defaults()), ServerConfig.loopback(MODEL_ID));
    }

    static TestServer start(SchedulerOptions options, ServerConfig config) {
        return new TestServer(modelFile(), options, config);
    }

    /**
     * A server over a model about 50x the tiny one's work per token (dim 512, 8 layers), written once
     * per JVM: a 4000-token generation then lasts seconds even with the native kernels, so a test can
     * leave before it ends (the tiny model finished 4000 tokens before a departed client was noticed),
     * and a page can watch an answer grow.
     */
    static TestServer startSlow(SchedulerOptions options) {
        return new TestServer(slowModelFile(), options, ServerConfig.loopback(MODEL_ID));
    }

    private static Path slowModelFile;

    private static synchronized Path slowModelFile() {
        if (slowModelFile == null) {
            try {
                Path dir = Files.createTempDirectory("jinfer-server-test-");
                dir.toFile().deleteOnExit();
                Path file = dir.resolve(MODEL_ID + "-slow.gguf");
                file.toFile().deleteOnExit();
                SyntheticModel tiny = SyntheticModel.tiny();
                SyntheticModels.write(new SyntheticModel(Architecture.LLAMA, 512, 8, 8, 4, 1408, tiny.vocab(), 4096,
                        tiny.ropeBase(), false, QuantFormat.Q8_0, tiny.seed()), file);
                slowModelFile = file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return slowModelFile;
    }

    static TestServer start(Path file, String id) {
        return new TestServer(file, new SchedulerOptions(1, 4, SessionOptions.defaults()), ServerConfig.loopback(id));
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    HttpRequest.Builder request(String path, String body) {
        return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> post(String path, Object body) {
        try {
            String text = body instanceof String s ? s : JSON.writeValueAsString(body);
            return send(request(path, text).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    /** The value of one unlabelled or labelled Prometheus sample, or -1 when absent. */
    double metric(String series) {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return -1;
    }

    @Override
    public void close() {
        server.close();
        scheduler.close();
        model.close();
        runtime.close();
    }
}
