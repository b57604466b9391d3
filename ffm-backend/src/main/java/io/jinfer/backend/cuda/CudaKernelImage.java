package io.jinfer.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The kernel image that the build packed as a resource ({@code jinfer-cuda/jinfer_kernels.fatbin},
 * cubins for sm_90 and sm_100a and PTX for newer GPUs) and the build's notes about what it built.
 */
public final class CudaKernelImage {

    static final String FATBIN = "/jinfer-cuda/jinfer_kernels.fatbin";
    static final String BUILD_INFO = "/jinfer-cuda/build-info.properties";

    private CudaKernelImage() {}

    /**
     * Reads the fatbin resource.
     *
     * @return its bytes
     * @throws CudaUnavailableException naming why the kernels were not built when the resource is absent
     */
    public static byte[] fatbin() {
        try (InputStream in = CudaKernelImage.class.getResourceAsStream(FATBIN)) {
            if (in == null) {
                throw new CudaUnavailableException(notBuiltReason());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Tells whether the build produced the kernel image.
     *
     * @return true when the fatbin resource is present
     */
    public static boolean built() {
        return CudaKernelImage.class.getResource(FATBIN) != null;
    }

    /**
     * Returns what the build wrote about the kernels and the host numerics library.
     *
     * @return the build notes (empty when jinfer was built without the CUDA build step)
     */
    public static Properties buildInfo() {
        Properties p = new Properties();
        try (InputStream in = CudaKernelImage.class.getResourceAsStream(BUILD_INFO)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    static String notBuiltReason() {
        String why = buildInfo().getProperty("kernels", "the CUDA build step did not run");
        return "jinfer's CUDA kernels were not built: " + why;
    }
}
