/** A bounded, loopback-only load generator for OpenAI-compatible streaming servers. */
package io.jinfer.bench.load;
