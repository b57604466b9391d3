package io.jinfer.executor;

import io.jinfer.api.Runtime;
import java.util.function.Supplier;

/**
 * Builds runtimes whose CPU kernels do not use the native decode kernels (system property
 * {@code jinfer.cpu.native=false} while the kernels are created). Those quantise activations to 8
 * bits as llama.cpp does, so tests that pin F32-activation arithmetic (against the float reference,
 * the reference kernels, or prefill against token-by-token decoding) run on the Java kernels; the
 * native kernels are held to the llama.cpp goldens and to cpu-backend's NativeMatmulTest.
 */
final class JavaKernelsOnly {
    private JavaKernelsOnly() {}

    /** @return the runtime {@code build} makes with native kernels turned off */
    static synchronized Runtime build(Supplier<Runtime> build) {
        String old = System.getProperty("jinfer.cpu.native");
        System.setProperty("jinfer.cpu.native", "false");
        try {
            return build.get();
        } finally {
            if (old == null) {
                System.clearProperty("jinfer.cpu.native");
            } else {
                System.setProperty("jinfer.cpu.native", old);
            }
        }
    }
}
