/** Benchmarks: JMH kernels and the end-to-end harness. */
package io.jinfer.bench;
