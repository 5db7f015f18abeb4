package dev.rlhf4j.core.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face model directory: one {@code model.safetensors}, or shards listed
 * in {@code model.safetensors.index.json} ({@code {"metadata": {"total_size": ...},
 * "weight_map": {tensor: shard file}}}). A directory holding both is read from
 * {@code model.safetensors}, as transformers does.
 *
 * <p>Opening validates everything up front: each file's header, and for a sharded checkpoint
 * that every shard the index names exists, every tensor it lists is in its shard, no tensor is
 * in two shards and no shard holds a tensor the index does not list. Pickle checkpoints
 * ({@code pytorch_model.bin}) are never loaded; the error says how to convert them.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {

    /** The weights of an unsharded checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** The index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path directory;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> fileOf;

    private SafetensorsCheckpoint(Path directory, List<SafetensorsFile> files, Map<String, SafetensorsFile> fileOf) {
        this.directory = directory;
        this.files = List.copyOf(files);
        this.fileOf = fileOf;
    }

    /**
     * Opens the checkpoint in model directory {@code dir}.
     *
     * @throws CheckpointFormatException when a file or the index is malformed or inconsistent,
     *                                   or the directory has no safetensors weights
     */
    public static SafetensorsCheckpoint open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            if (Files.exists(dir)) {
                throw new CheckpointFormatException(dir + " is a file; expected a model directory holding "
                        + SINGLE_FILE + " or " + INDEX_FILE);
            }
            throw new NoSuchFileException(dir.toString(), null, "no such model directory");
        }
        if (Files.isRegularFile(dir.resolve(SINGLE_FILE))) {
            SafetensorsFile file = SafetensorsFile.open(dir.resolve(SINGLE_FILE));
            Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
            file.names().forEach(name -> fileOf.put(name, file));
            return new SafetensorsCheckpoint(dir, List.of(file), fileOf);
        }
        if (Files.isRegularFile(dir.resolve(INDEX_FILE))) {
            return openSharded(dir, dir.resolve(INDEX_FILE));
        }
        throw noWeights(dir);
    }

    private static SafetensorsCheckpoint openSharded(Path dir, Path index) throws IOException {
        Map<String, String> weightMap = readWeightMap(index);
        // shards in file-name order (00001, 00002, ...), each opened and validated once
        Map<String, List<String>> tensorsOfShard = new TreeMap<>();
        weightMap.forEach((tensor, shard) -> tensorsOfShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(tensor));
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            for (String shard : tensorsOfShard.keySet()) {
                Path path = dir.resolve(shard);
                if (!Files.isRegularFile(path)) {
                    String tensor = tensorsOfShard.get(shard).get(0);
                    throw new CheckpointFormatException(index + ": weight_map[\"" + tensor + "\"] names shard \""
                            + shard + "\", which does not exist in " + dir);
                }
                opened.add(SafetensorsFile.open(path));
            }
            Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
            for (SafetensorsFile file : opened) {
                String shard = file.path().getFileName().toString();
                for (String name : file.names()) {
                    SafetensorsFile other = fileOf.putIfAbsent(name, file);
                    if (other != null) {
                        throw new CheckpointFormatException(dir + ": tensor \"" + name + "\" is in two shards, "
                                + other.path().getFileName() + " and " + shard);
                    }
                    if (!weightMap.containsKey(name)) {
                        throw new CheckpointFormatException(file.path() + ": holds tensor \"" + name
                                + "\", which " + index.getFileName() + " does not list");
                    }
                }
                for (String tensor : tensorsOfShard.get(shard)) {
                    if (!file.contains(tensor)) {
                        throw new CheckpointFormatException(index + ": weight_map puts \"" + tensor + "\" in "
                                + shard + ", but that shard has no such tensor");
                    }
                }
            }
            return new SafetensorsCheckpoint(dir, opened, fileOf);
        } catch (IOException | RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The index's {@code weight_map}, checked: tensor name to a shard file name in the same directory. */
    private static Map<String, String> readWeightMap(Path index) throws IOException {
        JsonNode root;
        try {
            root = JsonText.STRICT.readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(index + ": not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"));
        }
        JsonNode map = root.isObject() ? root.get("weight_map") : null;
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new CheckpointFormatException(index + ": \"weight_map\" must be a non-empty object mapping tensor "
                    + "names to shard files, but is: " + (map == null ? "missing" : JsonText.brief(map)));
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : map.properties()) {
            JsonNode shard = entry.getValue();
            String key = "weight_map[\"" + entry.getKey() + "\"]";
            if (!shard.isTextual()) {
                throw new CheckpointFormatException(index + ": " + key + " must be a shard file name, but is: "
                        + JsonText.brief(shard));
            }
            String name = shard.textValue();
            if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
                throw new CheckpointFormatException(index + ": " + key + " must be a file name in the index's directory, "
                        + "but is: \"" + name + "\"");
            }
            weightMap.put(entry.getKey(), name);
        }
        return weightMap;
    }

    private static CheckpointFormatException noWeights(Path dir) throws IOException {
        List<String> present;
        try (Stream<Path> listing = Files.list(dir)) {
            present = listing.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
        List<String> pickles = present.stream()
                .filter(n -> n.endsWith(".bin") || n.endsWith(".bin.index.json") || n.endsWith(".pt")
                        || n.endsWith(".pth") || n.endsWith(".ckpt"))
                .collect(Collectors.toList());
        if (!pickles.isEmpty()) {
            return new CheckpointFormatException(dir + " has no " + SINGLE_FILE + " or " + INDEX_FILE
                    + ", only pickle checkpoint files " + pickles + ". rlhf4j does not load pickle checkpoints "
                    + "(unpickling can run arbitrary code). Convert the directory once with transformers: "
                    + "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)");
        }
        List<String> safetensors = present.stream().filter(n -> n.endsWith(".safetensors")).collect(Collectors.toList());
        return new CheckpointFormatException(dir + " has no " + SINGLE_FILE + " or " + INDEX_FILE
                + (safetensors.isEmpty() ? "" : " (it has " + safetensors + ")"));
    }

    /** The model directory. */
    public Path directory() {
        return directory;
    }

    /** The safetensors files, in shard order. */
    public List<Path> files() {
        return files.stream().map(SafetensorsFile::path).collect(Collectors.toUnmodifiableList());
    }

    /** Tensor names: shard by shard, each in the order its data lies in the file. */
    public List<String> names() {
        return List.copyOf(fileOf.keySet());
    }

    /** Whether the checkpoint holds a tensor called {@code name}. */
    public boolean contains(String name) {
        return fileOf.containsKey(name);
    }

    /** The file (shard) holding tensor {@code name}. */
    public Path file(String name) {
        return fileFor(name).path();
    }

    /** The header entry of tensor {@code name}; offsets are relative to its own file's buffer. */
    public TensorInfo info(String name) {
        return fileFor(name).info(name);
    }

    /**
     * The {@code __metadata__} of the first file (transformers writes the same map, e.g.
     * {@code {"format": "pt"}}, into every shard).
     */
    public Map<String, String> metadata() {
        return files.get(0).metadata();
    }

    /** See {@link SafetensorsFile#readFloats(String)}. */
    public float[] readFloats(String name) {
        return fileFor(name).readFloats(name);
    }

    /** See {@link SafetensorsFile#readFloats(String, long, int)}. */
    public float[] readFloats(String name, long from, int count) {
        return fileFor(name).readFloats(name, from, count);
    }

    /** See {@link SafetensorsFile#readRaw(String)}. */
    public ByteBuffer readRaw(String name) {
        return fileFor(name).readRaw(name);
    }

    /** Closes every file. */
    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    private SafetensorsFile fileFor(String name) {
        SafetensorsFile file = fileOf.get(name);
        if (file == null) {
            throw new IllegalArgumentException(directory + ": no tensor named \"" + name + "\"");
        }
        return file;
    }

    @Override
    public String toString() {
        return "SafetensorsCheckpoint[" + directory + ", " + files.size() + " file(s), " + fileOf.size() + " tensors]";
    }
}
