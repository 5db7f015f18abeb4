package dev.rlhf4j.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.io.OwnedDirectory;
import dev.rlhf4j.core.io.RefusedException;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Hugging Face model directories in and out: {@code config.json}, safetensors weights (single
 * file or sharded), and the tokenizer files.
 *
 * <p>Tensor names and layouts are Hugging Face's own, so a directory written here loads in
 * transformers and vLLM unchanged, and one written by them loads here. Checkpoints that store
 * the GPT-2 trunk without its {@code transformer.} prefix (the original OpenAI upload) load too.
 */
public final class ModelDirectory {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Default shard size for saving, as transformers' {@code max_shard_size="5GB"}. */
    public static final long MAX_SHARD_BYTES = 5_000_000_000L;

    private ModelDirectory() {}

    /** Loads a causal LM; {@code withLmHead} false gives the trunk only (for reward and value models). */
    public static CausalLM loadCausalLM(Path dir, NDManager manager, boolean withLmHead) {
        if (PeftAdapter.isAdapter(dir)) { // a LoRA adapter: its base model with the adapter on
            return PeftAdapter.loadCausalLM(dir, null, manager, withLmHead);
        }
        ModelConfig config = ModelConfig.read(dir);
        try (SafetensorsCheckpoint checkpoint = open(dir)) {
            return new CausalLM(config, manager, weights(checkpoint, dir), withLmHead);
        }
    }

    /** Opens a directory's safetensors; format errors surface unchecked, with the file named. */
    public static SafetensorsCheckpoint open(Path dir) {
        try {
            return SafetensorsCheckpoint.open(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /**
     * Weights from a checkpoint, looked up by Hugging Face name; a name missing from the checkpoint,
     * or a tensor holding NaN or an infinity, is an error naming the tensor and its file.
     */
    public static WeightSource weights(SafetensorsCheckpoint checkpoint, Path dir) {
        return (name, shape, manager) -> {
            String stored = resolve(checkpoint, name);
            if (stored == null) {
                throw new IllegalArgumentException(dir + ": tensor " + name + " is missing from the checkpoint");
            }
            long[] storedShape = checkpoint.info(stored).shape();
            if (!Arrays.equals(storedShape, shape.getShape())) {
                throw new IllegalArgumentException(dir + ": tensor " + stored + " has shape "
                        + Arrays.toString(storedShape) + "; config.json implies " + shape);
            }
            return manager.create(finite(checkpoint.readFloats(stored), stored, checkpoint.file(stored)), shape);
        };
    }

    /**
     * Returns {@code values}, or throws naming the tensor and its file when one is NaN or infinite:
     * such weights make every output NaN, and training from them would "succeed" with nothing learnt.
     * One pass over the floats, a small part of reading them.
     */
    public static float[] finite(float[] values, String tensor, Path file) {
        int bad = 0;
        int first = -1;
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                if (bad++ == 0) {
                    first = i;
                }
            }
        }
        if (bad > 0) {
            throw new IllegalArgumentException(file + ": tensor \"" + tensor + "\" holds " + bad + " non-finite "
                    + (bad == 1 ? "value" : "values") + " (the first, element " + first + " of " + values.length + ", is "
                    + values[first] + "); the checkpoint is corrupt or was saved from a diverged run");
        }
        return values;
    }

    /** The stored name of a tensor: as is, or without GPT-2's {@code transformer.} prefix. */
    static String resolve(SafetensorsCheckpoint checkpoint, String name) {
        if (checkpoint.contains(name)) {
            return name;
        }
        if (name.startsWith("transformer.") && checkpoint.contains(name.substring("transformer.".length()))) {
            return name.substring("transformer.".length());
        }
        return null;
    }

    /**
     * Saves a model directory: config.json (with {@code architecture} and any {@code extraConfig}
     * keys), generation_config.json, the model's parameters plus {@code extraTensors} (a reward
     * head, say) in the config's dtype, and the tokenizer files. Written to a temporary sibling and
     * renamed into place ({@link #writeAtomically}), so a crash never leaves a half-written directory,
     * and an existing {@code dir} is replaced only if rlhf4j wrote it (or it is empty). A model with
     * enabled LoRA adapters is saved merged ({@code W + scaling·B·A}): the directory is a full model.
     */
    public static void save(Path dir, CausalLM model, String architecture, Map<String, NDArray> extraTensors,
            Map<String, Object> extraConfig, Tokenizer tokenizer) {
        if (model.lora() != null && model.lora().isEnabled()) { // a full model: the adapters merged in
            try (NDManager scope = model.getManager().newSubManager()) {
                Map<String, NDArray> merged = model.lora().mergedWeights(scope);
                save(dir, model, architecture, extraTensors, extraConfig, tokenizer, merged::get);
            }
            return;
        }
        save(dir, model, architecture, extraTensors, extraConfig, tokenizer, name -> null);
    }

    /** As the public {@code save}, with {@code replace} giving other values for some parameters (merged LoRA weights). */
    static void save(Path dir, CausalLM model, String architecture, Map<String, NDArray> extraTensors,
            Map<String, Object> extraConfig, Tokenizer tokenizer, Function<String, NDArray> replace) {
        ModelConfig config = model.config();
        DType dtype = switch (config.dtype()) {
            case "float16" -> DType.F16;
            case "bfloat16" -> DType.BF16;
            default -> DType.F32;
        };
        List<NamedTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            NDArray replaced = replace.apply(e.getKey());
            NDArray a = replaced != null ? replaced : e.getValue().getArray();
            tensors.add(new NamedTensor(e.getKey(), dtype, a.getShape().getShape(), a.toFloatArray()));
        }
        extraTensors.forEach((name, a) ->
                tensors.add(new NamedTensor(name, dtype, a.getShape().getShape(), a.toFloatArray())));
        ObjectNode json = config.toJson(architecture);
        extraConfig.forEach((k, v) -> json.set(k, JSON.valueToTree(v)));
        writeAtomically(dir, tmp -> {
            SafetensorsWriter.writeSharded(tmp, tensors, Map.of("format", "pt"), MAX_SHARD_BYTES);
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("config.json").toFile(), json);
            if (tokenizer != null) {
                copyTokenizerFiles(tokenizer.directory(), tmp);
            }
            if (!Files.exists(tmp.resolve("generation_config.json"))) {
                writeGenerationConfig(tmp, config);
            }
        });
    }

    /** Saves a causal LM under its transformers class name. */
    public static void saveCausalLM(Path dir, CausalLM model, Tokenizer tokenizer) {
        save(dir, model, causalLmArchitecture(model.config()), Map.of(), Map.of(), tokenizer);
    }

    /** {@code GPT2LMHeadModel}, {@code LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code MistralForCausalLM}. */
    public static String causalLmArchitecture(ModelConfig config) {
        return switch (config.modelType()) {
            case "gpt2" -> "GPT2LMHeadModel";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            default -> "LlamaForCausalLM";
        };
    }

    /** Copies tokenizer files that exist in {@code from} into {@code to}. */
    public static void copyTokenizerFiles(Path from, Path to) throws IOException {
        for (String f : Tokenizer.FILES) {
            Path src = from.resolve(f);
            if (Files.exists(src)) {
                Files.copy(src, to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void writeGenerationConfig(Path dir, ModelConfig config) throws IOException {
        ObjectNode g = JSON.createObjectNode();
        if (config.bosTokenId() >= 0) {
            g.put("bos_token_id", config.bosTokenId());
        }
        if (config.eosTokenIds().size() == 1) {
            g.put("eos_token_id", config.eosTokenIds().get(0));
        } else if (!config.eosTokenIds().isEmpty()) {
            config.eosTokenIds().forEach(g.putArray("eos_token_id")::add);
        }
        if (config.padTokenId() >= 0) {
            g.put("pad_token_id", config.padTokenId());
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("generation_config.json").toFile(), g);
    }

    /** Something that fills a directory. */
    @FunctionalInterface
    public interface DirectoryWriter {
        void write(Path dir) throws IOException;
    }

    /**
     * Fills a temporary sibling of {@code dir}, then swaps it into place by renames ({@link
     * OwnedDirectory#replace}): the directory gets rlhf4j's marker, an existing {@code dir} must be
     * empty or carry it, and a kill at any moment leaves the old or the new directory, whole.
     *
     * @throws IllegalStateException if {@code dir} is a file, or a non-empty directory rlhf4j did
     *     not write
     */
    public static void writeAtomically(Path dir, DirectoryWriter writer) {
        Path abs = dir.toAbsolutePath();
        try {
            OwnedDirectory.replace(abs, "model", writer::write);
        } catch (IOException e) {
            throw new UncheckedIOException(abs + ": cannot write model directory: " + e.getMessage(), e);
        }
    }

    /**
     * Checks, before a stage does any work, that it may write its model to {@code output}: the path
     * is free, an empty directory or a model directory rlhf4j wrote, and it is not one of the models
     * the stage reads (a stage that replaced its own starting point could be neither rerun nor
     * resumed).
     *
     * @param key the output's config key, for the message ({@code sft.output})
     * @param inputs the stage's input model directories by config key
     * @throws IllegalStateException naming the key, the path and the reason
     */
    public static void checkOutput(String key, Path output, Map<String, Path> inputs) {
        for (Map.Entry<String, Path> in : inputs.entrySet()) {
            if (in.getValue() != null && sameDirectory(output, in.getValue())) {
                throw new RefusedException(key + " must not be " + in.getKey() + ", the model the stage starts from,"
                        + " but both are: " + output + "; write the new model to another directory");
            }
        }
        try {
            OwnedDirectory.checkReplaceable(output.toAbsolutePath());
        } catch (IllegalStateException e) {
            throw new RefusedException(key + ": " + e.getMessage(), e);
        }
    }

    private static boolean sameDirectory(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            // fall back to comparing the paths
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** Deletes a directory tree, whoever wrote it: for temporary directories of one's own (tests, benchmarks). */
    public static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one extra tensor (a reward head, say) from a model directory, or null when absent; NaN or Inf is an error. */
    public static NDArray readTensor(Path dir, String name, NDManager manager) {
        try (SafetensorsCheckpoint checkpoint = open(dir)) {
            if (!checkpoint.contains(name)) {
                return null;
            }
            return manager.create(finite(checkpoint.readFloats(name), name, checkpoint.file(name)),
                    new Shape(checkpoint.info(name).shape()));
        }
    }
}
