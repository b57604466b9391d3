/** The executor: architectures as forward passes over backend kernels, sessions, KV caches, sampling. */
package io.jinfer.executor;
