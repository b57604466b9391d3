package io.jinfer.loader.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jinfer.api.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The safetensors files of one model directory, as one name-to-tensor table: either the shards that
 * {@code model.safetensors.index.json} lists in its {@code weight_map}, or a single
 * {@code model.safetensors}, or, without either, the one {@code *.safetensors} file in the directory.
 * Each file is mapped once; closing the checkpoint unmaps them all.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    /** Name of the shard index Hugging Face writes beside sharded checkpoints. */
    public static final String INDEX = "model.safetensors.index.json";
    /** Name of a single-file checkpoint. */
    public static final String SINGLE = "model.safetensors";

    private final Path directory;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;

    private SafetensorsCheckpoint(Path directory, List<SafetensorsFile> files, Map<String, SafetensorsFile> owner) {
        this.directory = directory;
        this.files = List.copyOf(files);
        this.owner = Collections.unmodifiableMap(owner);
    }

    /**
     * Opens the checkpoint in a directory.
     *
     * @param directory the model directory
     * @return the open checkpoint
     * @throws ModelFormatException when the index or a shard is malformed, a tensor is listed for a
     *     shard that lacks it, or two shards hold the same tensor
     * @throws UncheckedIOException when a file cannot be read
     */
    public static SafetensorsCheckpoint open(Path directory) {
        Path index = directory.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            return openIndexed(directory, index);
        }
        Path single = directory.resolve(SINGLE);
        if (!Files.isRegularFile(single)) {
            List<Path> found;
            try (Stream<Path> s = Files.list(directory)) {
                found = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + directory, e);
            }
            if (found.size() != 1) {
                throw new ModelFormatException(directory, -1, INDEX, "expected " + INDEX + ", " + SINGLE
                        + " or exactly one .safetensors file, found " + found.size() + " .safetensors files");
            }
            single = found.get(0);
        }
        return fromFiles(directory, List.of(single), null, null);
    }

    private static SafetensorsCheckpoint openIndexed(Path directory, Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(index, e.getLocation() == null ? -1 : e.getLocation().getByteOffset(),
                    "index", "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + index, e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new ModelFormatException(index, -1, "weight_map", "expected an object mapping tensor names to files");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        List<Path> shards = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            JsonNode f = e.getValue();
            if (!f.isTextual() || f.textValue().contains("/") || f.textValue().contains("\\")
                    || f.textValue().startsWith(".")) {
                throw new ModelFormatException(index, -1, "weight_map." + e.getKey(),
                        "expected the name of a file in the same directory, found " + f);
            }
            weightMap.put(e.getKey(), f.textValue());
            Path shard = directory.resolve(f.textValue());
            if (!shards.contains(shard)) {
                shards.add(shard);
            }
        }
        return fromFiles(directory, shards, weightMap, index);
    }

    private static SafetensorsCheckpoint fromFiles(Path directory, List<Path> paths, Map<String, String> weightMap,
            Path index) {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
            for (Path p : paths) {
                if (!Files.isRegularFile(p)) {
                    throw new ModelFormatException(index, -1, "weight_map", "lists shard " + p.getFileName()
                            + ", which does not exist in " + directory);
                }
                SafetensorsFile f = SafetensorsFile.open(p);
                opened.add(f);
                for (String name : f.names()) {
                    SafetensorsFile other = owner.putIfAbsent(name, f);
                    if (other != null) {
                        throw new ModelFormatException(p, -1, name, "tensor also stored in " + other.path().getFileName());
                    }
                }
            }
            if (weightMap != null) {
                for (Map.Entry<String, String> e : weightMap.entrySet()) {
                    SafetensorsFile f = owner.get(e.getKey());
                    if (f == null || !f.path().getFileName().toString().equals(e.getValue())) {
                        throw new ModelFormatException(index, -1, "weight_map." + e.getKey(), "lists the tensor in "
                                + e.getValue() + ", but " + (f == null ? "no shard has it" : "it is in " + f.path().getFileName()));
                    }
                }
            }
            return new SafetensorsCheckpoint(directory, opened, owner);
        } catch (RuntimeException e) {
            for (SafetensorsFile f : opened) {
                f.close();
            }
            throw e;
        }
    }

    /**
     * Returns the model directory.
     *
     * @return the directory
     */
    public Path directory() {
        return directory;
    }

    /**
     * Returns the open files, in the order they were opened.
     *
     * @return the files
     */
    public List<SafetensorsFile> files() {
        return files;
    }

    /**
     * Returns every tensor name, file by file in header order.
     *
     * @return the names
     */
    public List<String> names() {
        return List.copyOf(owner.keySet());
    }

    /**
     * Tells whether any file has a tensor of this name.
     *
     * @param name a tensor name
     * @return whether it is present
     */
    public boolean hasTensor(String name) {
        return owner.containsKey(name);
    }

    /**
     * Returns a required tensor.
     *
     * @param name the tensor's name
     * @return the tensor, a zero-copy slice of its file
     * @throws ModelFormatException naming the directory when no file has it
     */
    public SafetensorsTensor tensor(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw new ModelFormatException(directory, -1, name, "required tensor is missing from the checkpoint");
        }
        return f.tensor(name);
    }

    /**
     * Unmaps every file.
     *
     * @throws IllegalStateException when already closed
     */
    @Override
    public void close() {
        if (files.isEmpty() || files.get(0).isClosed()) {
            throw new IllegalStateException("checkpoint " + directory + " is already closed");
        }
        for (SafetensorsFile f : files) {
            f.close();
        }
    }
}
