/** Memory-mapped files and off-heap buffers with explicit lifetimes. */
package io.jinfer.memory;
