package dev.rlhf4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.dpo.DpoConfig;
import dev.rlhf4j.ppo.PpoConfig;
import dev.rlhf4j.rm.train.RewardModelConfig;
import dev.rlhf4j.sft.SftConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A whole run's config, resolved: {@code ${run}} replaced by the run directory, stage outputs
 * chained to the next stage's inputs where the config does not say otherwise, the run's seed
 * given to every stage, and every section bound and validated up front, so all config errors are
 * reported before any work starts.
 *
 * <p>Chaining: {@code sft.output} → {@code reward_model.init}, {@code dpo.model} and {@code
 * ppo.policy}; {@code data} → {@code reward_model.data} and {@code dpo.data} (train split) and their
 * {@code eval_data} (test split); {@code reward_model.output} → {@code ppo.reward_model}.
 *
 * <p>Containment: what a run writes stays under its root, {@code runs_dir} (or the run directory
 * itself when one is given, as {@code --run-dir} does). The run {@code name} and the stage outputs
 * ({@code sft.output}, {@code reward_model.output}, {@code ppo.output}) must stay inside it after
 * normalisation ({@code ..} resolved), unless written as absolute paths: those are taken as meant.
 * A stray {@code ../} can then never send a run, or its {@code --force}, outside the runs.
 */
public final class RunConfig {
    private static final Set<String> TOP_LEVEL = Set.of("name", "seed", "runs_dir", "data", "sft", "reward_model", "dpo",
            "ppo", "eval", "demo");
    /** The keys naming where a stage writes its model, checked for containment. */
    static final List<String> OUTPUT_KEYS = List.of("sft.output", "reward_model.output", "dpo.output",
            "ppo.output");

    private final ConfigFile file;
    private final String name;
    private final Path runDir;
    private final Set<Stage> stages = EnumSet.noneOf(Stage.class);
    private DataConfig data;
    private SftConfig sft;
    private RewardModelConfig rewardModel;
    private DpoConfig dpo;
    private PpoConfig ppo;
    private EvalConfig eval;

    /**
     * @param runDir the run directory; null: {@code <runs_dir>/<name>}
     */
    public RunConfig(ConfigFile file, Path runDir) {
        this.file = file;
        JsonNode root = file.tree();
        List<String> errors = new ArrayList<>();
        root.fieldNames().forEachRemaining(k -> {
            if (!TOP_LEVEL.contains(k)) {
                errors.add(file.source() + ": unknown key " + k + "; accepted keys: " + String.join(", ", TOP_LEVEL.stream().sorted().toList()));
            }
        });
        this.name = topLevel(file, "name", String.class, "run", errors);
        long seed = topLevel(file, "seed", Long.class, 0L, errors);
        Path runs = Path.of(topLevel(file, "runs_dir", String.class, "runs", errors));
        this.runDir = runDir != null ? runDir : defaultRunDir(file, name, runs, errors);
        Path base = runDir != null ? runDir : runs;
        String baseName = runDir != null ? "the run directory (" + runDir + ")" : "runs_dir (" + base + ")";
        Map<String, String> rawOutputs = new LinkedHashMap<>();
        OUTPUT_KEYS.forEach(k -> {
            if (file.node(k).isTextual()) {
                rawOutputs.put(k, file.node(k).asText());
            }
        });
        substitute(file, "${run}", this.runDir.toString());
        rawOutputs.forEach((k, raw) -> {
            if (!Path.of(raw).isAbsolute()) {
                checkInside(file, errors, k, raw, Path.of(file.node(k).asText()), base, baseName);
            }
        });
        chain(file, seed);
        for (Stage s : Stage.values()) {
            if (file.has(s.key())) {
                stages.add(s);
            }
        }
        bindAll(errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(String.join("\n", errors));
        }
    }

    /** A top-level scalar, or {@code fallback} when it is absent or wrong (then an error is added). */
    private static <T> T topLevel(ConfigFile f, String key, Class<T> type, T fallback, List<String> errors) {
        try {
            return f.value(key, type, fallback);
        } catch (ConfigException e) {
            errors.add(e.getMessage());
            return fallback;
        }
    }

    /** {@code <runs_dir>/<name>}; a relative name must stay inside runs_dir. */
    private static Path defaultRunDir(ConfigFile file, String name, Path runs, List<String> errors) {
        Path dir = runs.resolve(name);
        if (!Path.of(name).isAbsolute()) {
            checkInside(file, errors, "name", name, dir, runs, "runs_dir (" + runs + ")");
        }
        return dir;
    }

    /** A relative {@code path} must lie strictly inside {@code base} once both are absolute and normalised. */
    private static void checkInside(ConfigFile file, List<String> errors, String key, String value, Path path, Path base,
            String baseName) {
        Path p = path.toAbsolutePath().normalize();
        Path b = base.toAbsolutePath().normalize();
        if (!p.startsWith(b) || p.equals(b)) {
            errors.add(file.source() + ": " + key + " must stay inside " + baseName + " or be an absolute path, but is: "
                    + value + " (that is " + p + ")");
        }
    }

    private void chain(ConfigFile f, long seed) {
        boolean hasData = f.has("data");
        boolean hasSft = f.has("sft");
        boolean hasRm = f.has("reward_model");
        boolean hasPpo = f.has("ppo");
        String run = runDir.toString();
        if (hasSft) {
            setIfAbsent(f, "sft.output", run + "/sft/model");
            setIfAbsent(f, "sft.seed", seed);
        }
        if (hasRm) {
            if (hasSft) {
                setIfAbsent(f, "reward_model.init", f.node("sft.output").asText());
            }
            if (hasData) {
                setIfAbsent(f, "reward_model.data", List.of(run + "/data/train.jsonl"));
                if (f.node("data.test").asDouble(0.1) > 0) {
                    setIfAbsent(f, "reward_model.eval_data", List.of(run + "/data/test.jsonl"));
                }
            }
            setIfAbsent(f, "reward_model.output", run + "/reward_model/model");
            setIfAbsent(f, "reward_model.seed", seed);
        }
        if (f.has("dpo")) {
            if (hasSft) {
                setIfAbsent(f, "dpo.model", f.node("sft.output").asText());
            }
            if (hasData) {
                setIfAbsent(f, "dpo.data", List.of(run + "/data/train.jsonl"));
                if (f.node("data.test").asDouble(0.1) > 0) {
                    setIfAbsent(f, "dpo.eval_data", List.of(run + "/data/test.jsonl"));
                }
            }
            setIfAbsent(f, "dpo.output", run + "/dpo/model");
            setIfAbsent(f, "dpo.seed", seed);
        }
        if (hasData) {
            setIfAbsent(f, "data.seed", seed);
        }
        if (hasPpo) {
            if (hasSft) {
                setIfAbsent(f, "ppo.policy", f.node("sft.output").asText());
            }
            if (hasRm) {
                setIfAbsent(f, "ppo.reward_model", f.node("reward_model.output").asText());
            }
            setIfAbsent(f, "ppo.output", run + "/ppo/model");
            setIfAbsent(f, "ppo.seed", seed);
        }
    }

    private void bindAll(List<String> errors) {
        data = bind(Stage.DATA, DataConfig.class, errors);
        sft = bind(Stage.SFT, SftConfig.class, errors);
        rewardModel = bind(Stage.REWARD_MODEL, RewardModelConfig.class, errors);
        dpo = bind(Stage.DPO, DpoConfig.class, errors);
        ppo = bind(Stage.PPO, PpoConfig.class, errors);
        eval = bind(Stage.EVAL, EvalConfig.class, errors);
    }

    private <T> T bind(Stage stage, Class<T> type, List<String> errors) {
        if (!stages.contains(stage)) {
            return null;
        }
        try {
            return file.bind(stage.key(), type);
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage().startsWith(file.source()) ? e.getMessage() : file.source() + ": " + stage.key() + "."
                    + e.getMessage());
            return null;
        }
    }

    private static void setIfAbsent(ConfigFile f, String key, Object value) {
        if (f.has(key)) {
            return;
        }
        if (value instanceof List<?> list) {
            StringBuilder yaml = new StringBuilder("[");
            for (int i = 0; i < list.size(); i++) {
                yaml.append(i == 0 ? "" : ", ").append('"').append(list.get(i)).append('"');
            }
            f.set(key + "=" + yaml.append(']'));
        } else if (value instanceof String s) {
            f.set(key + "=\"" + s.replace("\"", "\\\"") + "\"");
        } else {
            f.set(key + "=" + value);
        }
    }

    /** Replaces {@code token} in every string value of the config. */
    private static void substitute(ConfigFile f, String token, String value) {
        ObjectNode root = f.tree();
        replace(root, token, value);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            f.replace(e.getKey(), e.getValue());
        }
    }

    private static void replace(JsonNode node, String token, String value) {
        if (node instanceof ObjectNode o) {
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                JsonNode v = o.get(k);
                if (v.isTextual()) {
                    o.set(k, TextNode.valueOf(v.asText().replace(token, value)));
                } else {
                    replace(v, token, value);
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual()) {
                    a.set(i, TextNode.valueOf(a.get(i).asText().replace(token, value)));
                } else {
                    replace(a.get(i), token, value);
                }
            }
        }
    }

    public String name() {
        return name;
    }

    public Path runDir() {
        return runDir;
    }

    public Set<Stage> stages() {
        return EnumSet.copyOf(stages.isEmpty() ? EnumSet.noneOf(Stage.class) : stages);
    }

    public ConfigFile file() {
        return file;
    }

    public DataConfig data() {
        return data;
    }

    public SftConfig sft() {
        return sft;
    }

    public RewardModelConfig rewardModel() {
        return rewardModel;
    }

    /** The {@code dpo:} section, chained; null when the config has none. */
    public DpoConfig dpo() {
        return dpo;
    }

    public PpoConfig ppo() {
        return ppo;
    }

    public EvalConfig eval() {
        return eval;
    }

}
