package dev.rlhf4j.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.LoraAdapters;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * PEFT LoRA adapter directories in and out: {@code adapter_config.json} and {@code
 * adapter_model.safetensors} as PEFT's {@code save_pretrained} writes them, so {@code
 * PeftModel.from_pretrained(base, dir)} loads what rlhf4j trained and rlhf4j loads what PEFT made.
 *
 * <p>Tensor names are those of PEFT's {@code get_peft_model_state_dict}: {@code base_model.model.}
 * + the module's Hugging Face name + {@code .lora_A.weight} / {@code .lora_B.weight}, and for
 * {@code modules_to_save} (a reward model's {@code score} head) {@code base_model.model.score.weight}.
 * The base model is named by {@code base_model_name_or_path}, written as an absolute path.
 */
public final class PeftAdapter {
    /** The adapter's config file. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** The adapter's weights file. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** The prefix PEFT puts before every module name. */
    public static final String PREFIX = "base_model.model.";
    /** PEFT's task types for a causal LM and a sequence classifier (reward model, critic). */
    public static final String CAUSAL_LM = "CAUSAL_LM";
    public static final String SEQ_CLS = "SEQ_CLS";

    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapter() {}

    /**
     * What {@code adapter_config.json} says.
     *
     * @param lora rank, alpha, dropout, the target modules (as written), rslora
     * @param taskType {@link #CAUSAL_LM}, {@link #SEQ_CLS}, or null
     * @param base the base model directory (resolved: absolute, or relative to the working directory
     *     or else to the adapter directory), or null when the config names none
     * @param modulesToSave module names trained in full and stored whole ({@code score})
     */
    public record Info(LoraConfig lora, String taskType, Path base, List<String> modulesToSave) {}

    /** True when {@code dir} is an adapter directory (an adapter config and no config.json of a full model). */
    public static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG_FILE)) && !Files.exists(dir.resolve("config.json"));
    }

    /**
     * Reads and checks {@code adapter_config.json}; what rlhf4j cannot apply exactly (another PEFT
     * method, DoRA, per-layer ranks, trained biases, a regex target) is an error naming the key.
     */
    public static Info read(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        JsonNode c;
        try {
            c = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the adapter config: " + e.getMessage(), e);
        }
        String peftType = text(c, "peft_type");
        require(file, "LORA".equals(peftType), "peft_type must be LORA, but is: " + peftType);
        require(file, !c.path("use_dora").asBoolean(false), "use_dora: true (DoRA) is not supported");
        require(file, c.path("rank_pattern").isMissingNode() || c.path("rank_pattern").isNull()
                || c.path("rank_pattern").isEmpty(), "rank_pattern (per-module ranks) is not supported");
        require(file, c.path("alpha_pattern").isMissingNode() || c.path("alpha_pattern").isNull()
                || c.path("alpha_pattern").isEmpty(), "alpha_pattern (per-module alphas) is not supported");
        require(file, c.path("layers_to_transform").isMissingNode() || c.path("layers_to_transform").isNull(),
                "layers_to_transform is not supported");
        require(file, !c.path("lora_bias").asBoolean(false), "lora_bias: true is not supported");
        String bias = c.path("bias").asText("none");
        require(file, bias.equals("none"), "bias must be none, but is: " + bias);
        JsonNode targets = c.path("target_modules");
        List<String> modules = new ArrayList<>();
        if (targets.isArray()) {
            targets.forEach(t -> modules.add(t.asText()));
        } else if (targets.isTextual() && targets.asText().equals(LoraConfig.ALL_LINEAR)) {
            modules.add(LoraConfig.ALL_LINEAR);
        } else {
            throw new IllegalArgumentException(file + ": target_modules must be a list of module names, but is: "
                    + targets + " (a regular expression is not supported)");
        }
        LoraConfig lora;
        try {
            lora = new LoraConfig(c.path("r").asInt(8), c.path("lora_alpha").asDouble(8),
                    c.path("lora_dropout").asDouble(0), modules, bias, c.path("use_rslora").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage().replace("lora.alpha", "lora_alpha")
                    .replace("lora.dropout", "lora_dropout").replace("lora.", ""), e);
        }
        List<String> toSave = new ArrayList<>();
        c.path("modules_to_save").forEach(m -> toSave.add(m.asText()));
        String base = c.hasNonNull("base_model_name_or_path") ? c.get("base_model_name_or_path").asText() : null;
        return new Info(lora, c.hasNonNull("task_type") ? c.get("task_type").asText() : null,
                base == null ? null : resolveBase(dir, base), List.copyOf(toSave));
    }

    private static Path resolveBase(Path dir, String base) {
        Path p = Path.of(base);
        if (p.isAbsolute() || Files.isDirectory(p)) {
            return p;
        }
        Path beside = dir.resolve(base).normalize();
        return Files.isDirectory(beside) ? beside : p;
    }

    /** The base model directory of an adapter: {@code base} if given, else its {@code base_model_name_or_path}. */
    public static Path baseOf(Path adapterDir, Path base) {
        if (base != null) {
            return base;
        }
        Info info = read(adapterDir);
        if (info.base() == null) {
            throw new IllegalArgumentException(adapterDir.resolve(CONFIG_FILE)
                    + ": base_model_name_or_path is not set; name the base model directory (--base)");
        }
        if (!Files.isDirectory(info.base())) {
            throw new IllegalArgumentException(adapterDir.resolve(CONFIG_FILE) + ": base_model_name_or_path "
                    + info.base() + " is not a model directory here (rlhf4j downloads nothing); name the base model"
                    + " directory (--base)");
        }
        return info.base();
    }

    /**
     * A causal LM with the adapter of {@code adapterDir} on its base model ({@code base}, or the
     * directory the adapter names), the base weights frozen: training it trains the adapter (a stage
     * given an adapter continues it, and saves an adapter again).
     */
    public static CausalLM loadCausalLM(Path adapterDir, Path base, NDManager manager, boolean withLmHead) {
        Path baseDir = baseOf(adapterDir, base);
        if (isAdapter(baseDir)) {
            throw new IllegalArgumentException(adapterDir + ": its base " + baseDir + " is itself an adapter;"
                    + " merge that one first (rlhf4j model merge)");
        }
        Info info = read(adapterDir);
        CausalLM model = ModelDirectory.loadCausalLM(baseDir, manager, withLmHead);
        try {
            model.setTrainable(false); // as PEFT loads it: the base frozen, the adapter the trainable part
            attach(model, adapterDir, info.lora()).setBaseDirectory(baseDir);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Adds the adapter stored in {@code adapterDir} to {@code model}, with {@code lora}'s shape. */
    public static LoraAdapters attach(CausalLM model, Path adapterDir, LoraConfig lora) {
        try (SafetensorsFile file = SafetensorsFile.open(adapterDir.resolve(WEIGHTS_FILE))) {
            return model.addLora(lora, weights(file));
        } catch (IOException e) {
            throw new UncheckedIOException(adapterDir.resolve(WEIGHTS_FILE) + ": " + e.getMessage(), e);
        }
    }

    /** Copies the adapter weights stored in {@code adapterDir} into {@code model}'s adapters (resuming). */
    public static void loadInto(CausalLM model, Path adapterDir) {
        try (SafetensorsFile file = SafetensorsFile.open(adapterDir.resolve(WEIGHTS_FILE));
                NDManager scope = model.getManager().newSubManager()) {
            WeightSource source = weights(file);
            model.lora().parameters().forEach((name, p) -> p.getArray().set(
                    source.load(name, p.getArray().getShape(), scope).toFloatArray()));
        } catch (IOException e) {
            throw new UncheckedIOException(adapterDir.resolve(WEIGHTS_FILE) + ": " + e.getMessage(), e);
        }
    }

    /** Adapter weights by rlhf4j name, read from PEFT's names; a missing one is an error naming the file. */
    static WeightSource weights(SafetensorsFile file) {
        return (name, shape, manager) -> {
            String stored = PREFIX + name;
            if (!file.contains(stored)) {
                throw new IllegalArgumentException(file.path() + ": tensor " + stored
                        + " is missing (the adapter config targets a module the file has no adapter for)");
            }
            long[] storedShape = file.info(stored).shape();
            if (!Arrays.equals(storedShape, shape.getShape())) {
                throw new IllegalArgumentException(file.path() + ": tensor " + stored + " has shape "
                        + Arrays.toString(storedShape) + "; the adapter config and the base model imply " + shape);
            }
            return manager.create(ModelDirectory.finite(file.readFloats(stored), stored, file.path()), shape);
        };
    }

    /** One tensor of a {@code modules_to_save} module ({@code score.weight}), or null when absent. */
    public static NDArray readModuleTensor(Path adapterDir, String name, NDManager manager) {
        try (SafetensorsFile file = SafetensorsFile.open(adapterDir.resolve(WEIGHTS_FILE))) {
            String stored = PREFIX + name;
            if (!file.contains(stored)) {
                return null;
            }
            return manager.create(ModelDirectory.finite(file.readFloats(stored), stored, file.path()),
                    new Shape(file.info(stored).shape()));
        } catch (IOException e) {
            throw new UncheckedIOException(adapterDir.resolve(WEIGHTS_FILE) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Saves the adapters of {@code model} as a PEFT directory, replacing only a directory rlhf4j
     * wrote (as {@link ModelDirectory#save}).
     *
     * @param taskType {@link #CAUSAL_LM} or {@link #SEQ_CLS}
     * @param base the base model directory, written as {@code base_model_name_or_path} (absolute);
     *     null: the adapters' own {@link LoraAdapters#baseDirectory}
     * @param modulesToSave whole tensors stored beside the adapters by name ({@code score.weight}), with
     *     their module names ({@code score}) listed as {@code modules_to_save}
     * @param extraFiles small JSON files to write beside (name → value), e.g. a reward model's pad id
     * @param tokenizer whose files are copied, or null
     */
    public static void save(Path dir, CausalLM model, String taskType, Path base, Map<String, NDArray> modulesToSave,
            Map<String, Object> extraFiles, Tokenizer tokenizer) {
        LoraAdapters adapters = model.lora();
        if (adapters == null) {
            throw new IllegalArgumentException("the model has no LoRA adapters to save");
        }
        List<NamedTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : adapters.parameters().entrySet()) {
            NDArray a = e.getValue().getArray();
            tensors.add(NamedTensor.f32(PREFIX + e.getKey(), a.getShape().getShape(), a.toFloatArray()));
        }
        List<String> moduleNames = new ArrayList<>();
        modulesToSave.forEach((name, a) -> {
            tensors.add(NamedTensor.f32(PREFIX + name, a.getShape().getShape(), a.toFloatArray()));
            String module = name.substring(0, name.lastIndexOf('.'));
            if (!moduleNames.contains(module)) {
                moduleNames.add(module);
            }
        });
        ObjectNode json = configJson(adapters, model.config(), taskType,
                base != null ? base : adapters.baseDirectory(), moduleNames);
        ModelDirectory.writeAtomically(dir, tmp -> {
            SafetensorsWriter.write(tmp.resolve(WEIGHTS_FILE), tensors, SafetensorsWriter.TRANSFORMERS_METADATA);
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(CONFIG_FILE).toFile(), json);
            for (Map.Entry<String, Object> f : extraFiles.entrySet()) {
                JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(f.getKey()).toFile(), f.getValue());
            }
            if (tokenizer != null) {
                ModelDirectory.copyTokenizerFiles(tokenizer.directory(), tmp);
            }
        });
    }

    private static ObjectNode configJson(LoraAdapters adapters, ModelConfig modelConfig, String taskType, Path base,
            List<String> modulesToSave) {
        LoraConfig lora = adapters.config();
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", taskType);
        c.put("base_model_name_or_path", base == null ? null : base.toAbsolutePath().normalize().toString());
        c.put("r", lora.r());
        if (lora.alpha() == Math.rint(lora.alpha())) {
            c.put("lora_alpha", lora.alpha().longValue());
        } else {
            c.put("lora_alpha", lora.alpha());
        }
        c.put("lora_dropout", lora.dropout());
        ArrayNode targets = c.putArray("target_modules");
        // as PEFT writes them: the list as given; all-linear and the family default resolved
        List<String> given = lora.targetModules();
        if (given == null) {
            (modelConfig.family() == ModelConfig.Family.GPT2 ? List.of("c_attn") : List.of("q_proj", "v_proj"))
                    .forEach(targets::add);
        } else if (given.contains(LoraConfig.ALL_LINEAR)) {
            adapters.modules().forEach(targets::add);
        } else {
            given.forEach(targets::add);
        }
        c.put("fan_in_fan_out", adapters.fanInFanOut());
        c.put("bias", "none");
        c.put("use_rslora", lora.useRslora());
        c.put("use_dora", false);
        c.put("init_lora_weights", true);
        c.put("inference_mode", true);
        if (modulesToSave.isEmpty()) {
            c.putNull("modules_to_save");
        } else {
            modulesToSave.forEach(c.putArray("modules_to_save")::add);
        }
        c.putNull("layers_to_transform");
        c.putObject("rank_pattern");
        c.putObject("alpha_pattern");
        return c;
    }

    /**
     * Writes the merged model: the base model's weights with every adapted weight replaced by
     * {@code W + scaling·B·A} (transposed for GPT-2's Conv1D), as a full model directory with the
     * base's config and {@code extraTensors} (a merged score head).
     */
    public static void saveMerged(Path dir, CausalLM model, String architecture, Map<String, NDArray> extraTensors,
            Map<String, Object> extraConfig, Tokenizer tokenizer) {
        if (model.lora() == null || !model.lora().isEnabled()) {
            throw new IllegalArgumentException("the model has no enabled LoRA adapters to merge");
        }
        ModelDirectory.save(dir, model, architecture, extraTensors, extraConfig, tokenizer);
    }

    private static String text(JsonNode c, String key) {
        return c.hasNonNull(key) ? c.get(key).asText() : null;
    }

    private static void require(Path file, boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(file + ": " + message);
        }
    }
}
