/** The jinfer command line and the OpenAI-compatible sample server. */
module io.jinfer.samples {
    requires io.jinfer.executor;
    requires org.slf4j;
    requires com.fasterxml.jackson.databind;
    requires io.javalin;
    requires io.jinfer.chat;
    requires io.opentelemetry.api;
    requires io.opentelemetry.sdk.metrics;
    requires io.opentelemetry.sdk.common;

    exports io.jinfer.cli;
    exports io.jinfer.server;
}
