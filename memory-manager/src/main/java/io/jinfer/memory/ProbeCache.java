package io.jinfer.memory;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.OptionalDouble;
import java.util.Properties;

/**
 * A small file of measured numbers (e.g. the host's memory bandwidth) that outlives the JVM, so a
 * probe runs once per machine rather than once per process. Keys name the machine and the probe's
 * settings; a changed CPU or thread count is a new key.
 *
 * <p>Safe by construction: a missing, unreadable or corrupt file is the same as an empty one, a value
 * outside the caller's plausible range is ignored, and writes go to a temporary file that is then
 * moved over the old one, so readers never see half a file. Failing to write is not an error: the
 * number is then measured again next time.
 */
public final class ProbeCache {
    private final Path file;

    /**
     * Uses a cache file; nothing is read or created yet.
     *
     * @param file the properties file
     */
    public ProbeCache(Path file) {
        this.file = file;
    }

    /**
     * Returns the default cache: {@code host-probes.properties} in the system property
     * {@code jinfer.cache.dir} when set, otherwise in {@code ~/.cache/jinfer}.
     *
     * @return the default cache
     */
    public static ProbeCache defaultCache() {
        String dir = System.getProperty("jinfer.cache.dir");
        Path base = dir != null && !dir.isBlank() ? Path.of(dir)
                : Path.of(System.getProperty("user.home"), ".cache", "jinfer");
        return new ProbeCache(base.resolve("host-probes.properties"));
    }

    /**
     * Returns the cache file.
     *
     * @return its path
     */
    public Path file() {
        return file;
    }

    /**
     * Reads a value.
     *
     * @param key the key
     * @param min smallest plausible value
     * @param max largest plausible value
     * @return the value, or empty when absent, unparseable or implausible
     */
    public synchronized OptionalDouble get(String key, double min, double max) {
        String v = load().getProperty(key);
        if (v == null) {
            return OptionalDouble.empty();
        }
        try {
            double x = Double.parseDouble(v.trim());
            return x >= min && x <= max ? OptionalDouble.of(x) : OptionalDouble.empty();
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    /**
     * Stores a value, keeping the others.
     *
     * @param key the key
     * @param value the value
     * @return whether it was written
     */
    public synchronized boolean put(String key, double value) {
        Properties p = load();
        p.setProperty(key, Double.toString(value));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".part");
            try {
                try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                    p.store(w, "jinfer host probe results; delete this file to measure again");
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private Properties load() {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException | RuntimeException e) {
                return new Properties();
            }
        }
        return p;
    }
}
