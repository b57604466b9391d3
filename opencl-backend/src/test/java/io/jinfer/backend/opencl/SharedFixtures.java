package io.jinfer.backend.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates {@code ../shared} (fixtures present on developer and CI machines only). The parent POM
 * passes its location as the system property {@code jinfer.shared.dir}; tests that need it skip
 * with a message when it is absent.
 */
final class SharedFixtures {
    private SharedFixtures() {}

    /** @return the shared directory, or null when absent */
    public static Path dirOrNull() {
        String p = System.getProperty("jinfer.shared.dir");
        if (p == null || p.isBlank()) {
            return null;
        }
        Path dir = Path.of(p).toAbsolutePath().normalize();
        return Files.isDirectory(dir) ? dir : null;
    }

    /**
     * @param relative a path inside the shared directory
     * @return the path; the calling test is skipped when it is absent
     */
    public static Path require(String relative) {
        Path dir = dirOrNull();
        assumeTrue(dir != null, "skipped: ../shared is absent (system property jinfer.shared.dir="
                + System.getProperty("jinfer.shared.dir") + ")");
        Path p = dir.resolve(relative);
        assumeTrue(Files.exists(p), "skipped: " + p + " is absent");
        return p;
    }
}
