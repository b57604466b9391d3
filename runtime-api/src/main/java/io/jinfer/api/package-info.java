/**
 * jinfer's public API. Start with {@link io.jinfer.api.Runtime#builder()}, load a
 * {@link io.jinfer.api.Model}, open a {@link io.jinfer.api.Session} and call
 * {@link io.jinfer.api.Session#generate(GenerationRequest, TokenListener)}.
 */
package io.jinfer.api;
