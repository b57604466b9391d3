/** The CPU backend: reference kernels (scalar, the specification) and fast Vector API kernels. */
package io.jinfer.backend.cpu;
