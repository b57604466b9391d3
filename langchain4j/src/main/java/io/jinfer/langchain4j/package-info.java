/**
 * LangChain4j's {@code ChatModel} and {@code StreamingChatModel} over a {@link io.jinfer.api.GenerationScheduler}:
 * an application that uses LangChain4j runs a local model in its own JVM with the same code it would
 * point at a hosted one.
 */
package io.jinfer.langchain4j;
