package io.jinfer.server;

import io.jinfer.chat.ChatTemplate;
import io.jinfer.chat.ChatTemplateException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.jinfer.api.ContextOverflowException;
import io.jinfer.api.FinishReason;
import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.GenerationScheduler;
import io.jinfer.api.Model;
import io.jinfer.api.QueueFullException;
import io.jinfer.api.ScheduledGeneration;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible HTTP server for one model: {@code /v1/chat/completions}, {@code /v1/completions}
 * (plain or streamed as server-sent events), {@code /v1/models}, {@code /v1/embeddings}, {@code /health},
 * {@code /metrics} and a chat page at {@code /}. Generations go through a {@link GenerationScheduler},
 * so concurrent requests share the model as the scheduler decides; the server itself only parses,
 * tokenizes, checks and writes. Errors use OpenAI's JSON error shape.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);
    private static final String CHAT = "/v1/chat/completions";
    private static final String COMPLETIONS = "/v1/completions";
    private static final String EMBEDDINGS = "/v1/embeddings";
    /** How often a streaming handler looks whether its generation ended while no text came. */
    private static final long POLL_MILLIS = 50;
    /**
     * Silence after which an answer sends a keep-alive (an SSE comment, or a space before a whole JSON
     * answer), to notice clients that went away.
     */
    private static final long KEEP_ALIVE_NANOS = 1_000_000_000L;
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);

    private final Model model;
    private final GenerationScheduler scheduler;
    private final ServerConfig config;
    private final ObjectMapper json = new ObjectMapper();
    private final RequestParser parser = new RequestParser(json);
    private final ChatTemplate template;
    private final ServerMetrics metrics;
    private final Tracer tracer = GlobalOpenTelemetry.getTracer("io.jinfer.server");
    private final int contextLength;
    private final long created = System.currentTimeMillis() / 1000;
    private final Object embedLock = new Object();
    private final byte[] page;
    private Session embedSession;
    private Javalin app;

    /**
     * Creates a server; {@link #start()} binds it.
     *
     * @param model the model to serve
     * @param scheduler the scheduler that runs its generations (the caller closes it)
     * @param config address, key and limits
     */
    public OpenAiServer(Model model, GenerationScheduler scheduler, ServerConfig config) {
        this(model, scheduler, config, ChatTemplate.forModel(model));
    }

    /**
     * Creates a server with a chosen chat template; {@link #start()} binds it.
     *
     * @param model the model to serve
     * @param scheduler the scheduler that runs its generations (the caller closes it)
     * @param config address, key and limits
     * @param template how chats become prompts
     */
    public OpenAiServer(Model model, GenerationScheduler scheduler, ServerConfig config, ChatTemplate template) {
        this.model = model;
        this.scheduler = scheduler;
        this.config = config;
        this.template = template;
        this.metrics = new ServerMetrics(scheduler);
        int ctx = scheduler.options().session().contextLength();
        this.contextLength = ctx == 0 ? Math.min(model.trainedContextLength(), 4096) : ctx;
        try (InputStream in = OpenAiServer.class.getResourceAsStream("chat.html")) {
            if (in == null) {
                throw new IllegalStateException("the chat page resource io/jinfer/server/chat.html is missing");
            }
            this.page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Binds the address and starts answering.
     *
     * @return this server
     */
    public OpenAiServer start() {
        app = Javalin.create(c -> {
            c.concurrency.useVirtualThreads = true;
            c.http.compressionStrategy = CompressionStrategy.NONE;
            c.http.maxRequestSize = config.maxBodyBytes();
            c.startup.showJavalinBanner = false;
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            c.routes.before("/v1/*", this::authorize);
            c.routes.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
            c.routes.get("/health", ctx -> send(ctx, json.createObjectNode().put("status", "ok")));
            c.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.prometheusText()));
            c.routes.get("/v1/models", ctx -> send(ctx, models()));
            c.routes.get("/v1/models/{id}", ctx -> {
                checkModel(ctx.pathParam("id"));
                send(ctx, modelEntry());
            });
            c.routes.post(CHAT, ctx -> generate(ctx, true));
            c.routes.post(COMPLETIONS, ctx -> generate(ctx, false));
            c.routes.post(EMBEDDINGS, this::embeddings);
            c.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e));
            // Javalin's own refusals (no such route, ...) in OpenAI's shape too
            c.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, new ApiError(e.getStatus(),
                    "invalid_request_error", e.getMessage(), null, e.getStatus() == 404 ? "not_found" : null)));
            c.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, new ApiError(500, "server_error", "internal error: " + e, null, null));
            });
        });
        app.start();
        LOG.info("serving {} ({} template, context {}) on http://{}:{}", config.modelId(), template.name(),
                contextLength, config.host(), app.port());
        return this;
    }

    /**
     * Returns the port the server listens on, useful when it was started on port 0.
     *
     * @return the bound port
     */
    public int port() {
        return app.port();
    }

    /**
     * Returns the server's metrics, for embedding applications and tests.
     *
     * @return the metrics
     */
    public ServerMetrics metrics() {
        return metrics;
    }

    /**
     * Returns the context length every request must fit in.
     *
     * @return positions of a sequence's context
     */
    public int contextLength() {
        return contextLength;
    }

    /** Stops the HTTP server and frees the embedding session; the scheduler and model stay open. */
    @Override
    public void close() {
        if (app != null) {
            app.stop();
        }
        synchronized (embedLock) {
            if (embedSession != null) {
                embedSession.close();
                embedSession = null;
            }
        }
        metrics.close();
    }

    private void authorize(Context ctx) {
        if (config.apiKey() == null) {
            return;
        }
        String auth = ctx.header("Authorization");
        String expected = "Bearer " + config.apiKey();
        if (auth == null || !java.security.MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(401, "invalid_request_error", auth == null
                    ? "no API key: send it as 'Authorization: Bearer KEY'" : "incorrect API key", null,
                    "invalid_api_key");
        }
    }

    private void checkModel(String requested) {
        if (requested != null && !requested.equals(config.modelId())) {
            throw new ApiError(404, "invalid_request_error", "the model '" + requested
                    + "' does not exist; this server serves '" + config.modelId() + "'", "model", "model_not_found");
        }
    }

    private ObjectNode models() {
        ObjectNode list = json.createObjectNode().put("object", "list");
        list.putArray("data").add(modelEntry());
        return list;
    }

    private ObjectNode modelEntry() {
        ObjectNode m = json.createObjectNode().put("id", config.modelId()).put("object", "model")
                .put("created", created).put("owned_by", "jinfer");
        m.putObject("meta").put("architecture", model.architecture()).put("context_length", contextLength)
                .put("vocab_size", model.vocabularySize()).put("weight_format", model.weightFormat().name())
                .put("chat_template", template.name());
        return m;
    }

    /** Reads the body, refusing one over the limit before reading it when its length is declared. */
    private byte[] body(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > config.maxBodyBytes()) {
            throw tooLarge(declared);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (InputStream in = ctx.req().getInputStream()) {
            for (int n; (n = in.read(buf)) > 0; ) {
                if (out.size() + n > config.maxBodyBytes()) {
                    throw tooLarge(out.size() + n);
                }
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    private ApiError tooLarge(long bytes) {
        return new ApiError(413, "invalid_request_error", "the request body has " + bytes
                + " bytes or more; this server accepts at most " + config.maxBodyBytes(), null, "request_too_large");
    }

    private void generate(Context ctx, boolean chat) throws IOException, InterruptedException {
        long arrival = System.nanoTime();
        String endpoint = chat ? CHAT : COMPLETIONS;
        ObjectNode body = parser.object(body(ctx));
        GenerationSettings s = parser.settings(body);
        checkModel(s.model());
        String prompt;
        try {
            prompt = chat ? template.render(parser.messages(body), true) : parser.prompt(body);
        } catch (ChatTemplateException e) {
            throw new ApiError(400, "invalid_request_error", e.getMessage(), "messages", null);
        }
        boolean addBos = !chat || template.bosToken().isEmpty() || !prompt.startsWith(template.bosToken());
        int[] tokens = model.tokenizer().encode(prompt, addBos, true);
        String promptField = chat ? "messages" : "prompt";
        if (tokens.length == 0) {
            throw ApiError.badField(promptField, "the prompt is empty");
        }
        if (tokens.length >= contextLength) {
            throw new ApiError(400, "invalid_request_error", "the prompt has " + tokens.length
                    + " tokens but the context holds " + contextLength + " (with room for at least one more)",
                    promptField, "context_length_exceeded");
        }
        int room = contextLength - tokens.length;
        int maxTokens = s.maxTokens() == null ? room : Math.min(s.maxTokens(), room);
        GenerationRequest request = GenerationRequest.builder(tokens).sampling(s.sampling()).maxTokens(maxTokens)
                .stopStrings(s.stops()).stopAtEndOfGeneration(!s.ignoreEos()).build();
        TokenStream stream = new TokenStream(metrics, arrival);
        Span span = tracer.spanBuilder(endpoint).startSpan();
        span.setAttribute("jinfer.prompt_tokens", tokens.length);
        ScheduledGeneration gen;
        try {
            gen = scheduler.submit(request, stream);
        } catch (QueueFullException e) {
            span.setStatus(StatusCode.ERROR, "queue full").end();
            ctx.header("Retry-After", Integer.toString(config.retryAfterSeconds()));
            throw new ApiError(429, "rate_limit_exceeded", e.getMessage(), null, "queue_full");
        } catch (ContextOverflowException e) {
            span.setStatus(StatusCode.ERROR, "context").end();
            throw new ApiError(400, "invalid_request_error", e.getMessage(), promptField, "context_length_exceeded");
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        long createdAt = System.currentTimeMillis() / 1000;
        Answer answer = new Answer(id, createdAt, chat);
        try {
            if (s.stream()) {
                streamAnswer(ctx, gen, stream, answer, s.includeUsage(), tokens.length, arrival);
            } else {
                answerWhole(ctx, gen, answer, tokens.length, arrival);
            }
            metrics.request(endpoint, ctx.statusCode());
        } finally {
            span.end();
        }
    }

    /**
     * Waits for a whole (not streamed) answer. A long wait commits the 200 headers and sends a space
     * every second, which JSON allows before a value: the only way to notice a client that went
     * away, since the server hears nothing from an idle connection until it writes. A generation that
     * then fails can no longer change the status, so its error object comes with 200.
     */
    private void answerWhole(Context ctx, ScheduledGeneration gen, Answer answer, int promptTokens, long arrival)
            throws IOException, InterruptedException {
        OutputStream out = null;
        while (true) {
            GenerationResult r;
            try {
                r = gen.result().get(KEEP_ALIVE_NANOS, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (out == null) {
                    ctx.status(200);
                    ctx.res().setContentType("application/json");
                    out = ctx.res().getOutputStream();
                }
                try {
                    out.write(' ');
                    out.flush();
                } catch (IOException gone) {
                    gen.cancel();
                    LOG.info("client of {} went away: generation cancelled", answer.id());
                    finishedAfterCancel(gen, promptTokens, arrival);
                    return;
                }
                continue;
            } catch (ExecutionException e) {
                LOG.error("generation failed", e.getCause());
                metrics.generation("error", promptTokens, 0, (System.nanoTime() - arrival) / 1e9);
                ApiError error = new ApiError(500, "server_error", "generation failed: " + e.getCause(), null, null);
                if (out == null) {
                    throw error;
                }
                out.write(json.writeValueAsBytes(errorBody(error)));
                return;
            } catch (InterruptedException e) {
                gen.cancel();
                throw e;
            }
            String reason = finishReason(r.finishReason());
            metrics.generation(reason, promptTokens, r.generatedTokens(), (System.nanoTime() - arrival) / 1e9);
            ObjectNode body = answer.full(r.text(), reason, usage(promptTokens, r.generatedTokens()));
            if (out == null) {
                send(ctx, body);
            } else {
                out.write(json.writeValueAsBytes(body));
                out.flush();
            }
            return;
        }
    }

    /** Counts a generation cancelled because its client left, with what it had produced. */
    private void finishedAfterCancel(ScheduledGeneration gen, int promptTokens, long arrival)
            throws InterruptedException {
        try {
            GenerationResult r = gen.result().get();
            metrics.generation(finishReason(r.finishReason()), promptTokens, r.generatedTokens(),
                    (System.nanoTime() - arrival) / 1e9);
        } catch (ExecutionException ignored) {
            metrics.generation("error", promptTokens, 0, (System.nanoTime() - arrival) / 1e9);
        }
    }

    /**
     * Writes server-sent events as text arrives. A write that fails means the client went away: the
     * generation is cancelled at once, which frees its sequence for the next request.
     */
    private void streamAnswer(Context ctx, ScheduledGeneration gen, TokenStream stream, Answer answer,
            boolean includeUsage, int promptTokens, long arrival) throws InterruptedException {
        ctx.status(200);
        var res = ctx.res();
        res.setContentType("text/event-stream; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        try {
            OutputStream out = res.getOutputStream();
            if (answer.chat()) {
                event(out, answer.chunk("", null, true));
            }
            long lastWrite = System.nanoTime();
            while (true) {
                boolean done = gen.isDone();
                for (String p; (p = stream.poll()) != null; ) {
                    event(out, answer.chunk(p, null, false));
                    lastWrite = System.nanoTime();
                }
                if (done) {
                    break;
                }
                String p = stream.next(POLL_MILLIS);
                if (p != null) {
                    event(out, answer.chunk(p, null, false));
                    lastWrite = System.nanoTime();
                } else if (System.nanoTime() - lastWrite > KEEP_ALIVE_NANOS) {
                    // an SSE comment, which clients ignore: while the request waits in the queue or its
                    // prompt is prefilled, this is how a client that went away is noticed
                    out.write(KEEP_ALIVE);
                    out.flush();
                    lastWrite = System.nanoTime();
                }
            }
            GenerationResult r;
            try {
                r = gen.result().get();
            } catch (ExecutionException e) {
                LOG.error("generation failed", e.getCause());
                ObjectNode err = json.createObjectNode();
                err.putObject("error").put("message", "generation failed: " + e.getCause()).put("type", "server_error");
                event(out, err);
                done(out);
                metrics.generation("error", promptTokens, 0, (System.nanoTime() - arrival) / 1e9);
                return;
            }
            String reason = finishReason(r.finishReason());
            event(out, answer.chunk(null, reason, false));
            if (includeUsage) {
                ObjectNode u = answer.chunk(null, null, false);
                u.putArray("choices");
                u.set("usage", usage(promptTokens, r.generatedTokens()));
                event(out, u);
            }
            done(out);
            metrics.generation(reason, promptTokens, r.generatedTokens(), (System.nanoTime() - arrival) / 1e9);
        } catch (IOException e) {
            stream.cancel();
            gen.cancel();
            LOG.info("client of {} went away: generation cancelled", answer.id());
            finishedAfterCancel(gen, promptTokens, arrival);
        }
    }

    private void event(OutputStream out, ObjectNode node) throws IOException {
        out.write(("data: " + json.writeValueAsString(node) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void done(OutputStream out) throws IOException {
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void embeddings(Context ctx) throws IOException {
        ObjectNode body = parser.object(body(ctx));
        checkModel(RequestParser.optString(body, "model"));
        List<String> inputs = parser.inputs(body);
        String format = RequestParser.optString(body, "encoding_format");
        if (format != null && !format.equals("float") && !format.equals("base64")) {
            throw ApiError.badField("encoding_format", "encoding_format must be float or base64, got '" + format + "'");
        }
        ObjectNode out = json.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        int total = 0;
        for (int i = 0; i < inputs.size(); i++) {
            int[] tokens = model.tokenizer().encode(inputs.get(i), true, false);
            if (tokens.length > contextLength) {
                throw new ApiError(400, "invalid_request_error", "input[" + i + "] has " + tokens.length
                        + " tokens but the context holds " + contextLength, "input", "context_length_exceeded");
            }
            total += tokens.length;
            float[] v = normalize(embed(tokens));
            ObjectNode e = data.addObject().put("object", "embedding").put("index", i);
            if ("base64".equals(format)) {
                ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float x : v) {
                    b.putFloat(x);
                }
                e.put("embedding", Base64.getEncoder().encodeToString(b.array()));
            } else {
                ArrayNode a = e.putArray("embedding");
                for (float x : v) {
                    a.add(x);
                }
            }
        }
        out.put("model", config.modelId());
        out.putObject("usage").put("prompt_tokens", total).put("total_tokens", total);
        send(ctx, out);
        metrics.request(EMBEDDINGS, 200);
    }

    /**
     * Embeddings run on one session of their own, one input at a time: they are short prefill-only
     * passes, and keeping them off the scheduler leaves its sequence slots to generations.
     */
    private float[] embed(int[] tokens) {
        synchronized (embedLock) {
            if (embedSession == null) {
                embedSession = model.newSession(SessionOptions.defaults().withContextLength(contextLength));
            }
            try {
                return embedSession.embed(tokens);
            } catch (UnsupportedOperationException e) {
                throw new ApiError(501, "invalid_request_error", "this model's runtime computes no embeddings",
                        null, null);
            }
        }
    }

    private static float[] normalize(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        float inv = sum > 0 ? (float) (1 / Math.sqrt(sum)) : 0;
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return v;
    }

    private ObjectNode usage(int prompt, int completion) {
        return json.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    /** OpenAI has two reasons: {@code stop} (a stop string or end of text) and {@code length}. */
    static String finishReason(FinishReason r) {
        return switch (r) {
            case END_OF_GENERATION, STOP_STRING -> "stop";
            case MAX_TOKENS, CONTEXT_FULL -> "length";
            case CANCELLED -> "cancelled";
        };
    }

    private void send(Context ctx, ObjectNode node) throws IOException {
        ctx.contentType("application/json").result(json.writeValueAsBytes(node));
    }

    private ObjectNode errorBody(ApiError e) {
        ObjectNode body = json.createObjectNode();
        ObjectNode err = body.putObject("error");
        err.put("message", e.getMessage()).put("type", e.type());
        err.put("param", e.param());
        err.put("code", e.code());
        return body;
    }

    private void error(Context ctx, ApiError e) {
        ObjectNode body = errorBody(e);
        ctx.status(e.status()).contentType("application/json");
        if (e.status() == 429) {
            ctx.header("Retry-After", Integer.toString(config.retryAfterSeconds()));
        }
        try {
            ctx.result(json.writeValueAsBytes(body));
        } catch (IOException io) {
            throw new UncheckedIOException(io);
        }
        metrics.request(endpointLabel(ctx.path()), e.status());
    }

    /** The route a path belongs to, so that metric labels stay few whatever clients ask for. */
    private static String endpointLabel(String path) {
        return switch (path) {
            case CHAT, COMPLETIONS, EMBEDDINGS, "/v1/models", "/health", "/metrics", "/" -> path;
            default -> path.startsWith("/v1/models/") ? "/v1/models/{id}" : "other";
        };
    }

    /** Builds the JSON of one answer: the whole of it, or its stream chunks. */
    private final class Answer {
        private final String id;
        private final long created;
        private final boolean chat;

        Answer(String id, long created, boolean chat) {
            this.id = id;
            this.created = created;
            this.chat = chat;
        }

        String id() {
            return id;
        }

        boolean chat() {
            return chat;
        }

        private ObjectNode head(String object) {
            return json.createObjectNode().put("id", id).put("object", object).put("created", created)
                    .put("model", config.modelId()).put("system_fingerprint", "jinfer");
        }

        ObjectNode full(String text, String reason, ObjectNode usage) {
            ObjectNode o = head(chat ? "chat.completion" : "text_completion");
            ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
            if (chat) {
                choice.putObject("message").put("role", "assistant").put("content", text);
            } else {
                choice.put("text", text);
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", reason);
            o.set("usage", usage);
            return o;
        }

        /** A chunk with some text (or none), and a finish reason on the last one. */
        ObjectNode chunk(String text, String reason, boolean first) {
            ObjectNode o = head(chat ? "chat.completion.chunk" : "text_completion");
            ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
            if (chat) {
                ObjectNode delta = choice.putObject("delta");
                if (first) {
                    delta.put("role", "assistant");
                }
                if (text != null) {
                    delta.put("content", text);
                }
            } else {
                choice.put("text", text == null ? "" : text);
            }
            choice.putNull("logprobs");
            if (reason == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", reason);
            }
            return o;
        }
    }
}
