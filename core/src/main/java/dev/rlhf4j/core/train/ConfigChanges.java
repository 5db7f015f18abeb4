package dev.rlhf4j.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A resumed run must continue the run its checkpoint came from. Each checkpoint stores the stage's
 * resolved config ({@link TrainerState#config()}, written by {@link #snapshot}); on resume, {@link
 * #check} compares it with the current config, key by key.
 *
 * <p>A changed key that alters the training trajectory (learning rate, batch sizes, data and model
 * paths, seed, schedule, loss coefficients, sequence lengths, ...) stops the run with a message
 * naming every such key with its old and new value: resumed silently, the run would follow neither
 * config and its metrics would not say so. {@link OnConfigChange#ALLOW} (the commands' {@code
 * --allow-config-change}) resumes anyway, with the same list as a warning. Keys in {@link #FREE}
 * change freely, and everything not in it counts as altering the trajectory: a new config key is
 * safe until someone decides otherwise.
 */
public final class ConfigChanges {

    /**
     * Keys, by their last segment ({@code sft.training.log_every} is {@code log_every}), that may
     * change between a checkpoint and its resumption, each because it changes no weight update:
     *
     * <ul>
     *   <li>{@code log_every}, {@code eval_every}, {@code sample_every}, {@code num_samples}: what
     *       is measured and logged; evaluation and samples use no gradient, no dropout and none of
     *       the run's random draws;
     *   <li>{@code save_every}, {@code keep_checkpoints}: when checkpoints are written, how many
     *       are kept;
     *   <li>{@code max_steps}, {@code epochs}, {@code iterations}: how long the run is; lengthening
     *       a finished or interrupted run is what resuming is for (a decaying LR schedule is then
     *       stretched over the new length, as asked);
     *   <li>{@code output}: where the final model is written.
     * </ul>
     */
    public static final Set<String> FREE = Set.of("log_every", "eval_every", "sample_every", "num_samples",
            "save_every", "keep_checkpoints", "max_steps", "epochs", "iterations", "output");

    private static final Logger LOG = LoggerFactory.getLogger(ConfigChanges.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Path.class, ToStringSerializer.instance));

    private ConfigChanges() {}

    /**
     * One key whose value differs.
     *
     * @param key the full dotted key ({@code sft.training.lr})
     * @param saved the value in the checkpoint, as JSON
     * @param current the value now, as JSON
     */
    public record Change(String key, String saved, String current) {

        /** Whether the key is in {@link #FREE}. */
        public boolean free() {
            return FREE.contains(key.substring(key.lastIndexOf('.') + 1));
        }

        @Override
        public String toString() {
            return key + " from " + saved + " to " + current;
        }
    }

    /** A config record (a stage section) as JSON values, for {@link TrainerState#config()}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> snapshot(Object config) {
        return JSON.convertValue(config, TreeMap.class);
    }

    /**
     * Every key whose value differs, in key order; a key missing on one side counts as null.
     *
     * @param section the config section the keys are under ({@code sft}), for the key names
     */
    public static List<Change> between(String section, Map<String, Object> saved, Map<String, Object> current) {
        Map<String, JsonNode> before = new TreeMap<>();
        Map<String, JsonNode> after = new TreeMap<>();
        flatten(section, JSON.valueToTree(saved), before);
        flatten(section, JSON.valueToTree(current), after);
        Set<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        List<Change> changes = new ArrayList<>();
        for (String key : keys) {
            String a = before.getOrDefault(key, NullNode.getInstance()).toString();
            String b = after.getOrDefault(key, NullNode.getInstance()).toString();
            if (!a.equals(b)) {
                changes.add(new Change(key, a, b));
            }
        }
        return changes;
    }

    /**
     * Compares the config a checkpoint was saved with to {@code config}: free changes are logged;
     * trajectory changes stop the run, or with {@link OnConfigChange#ALLOW} are logged as a warning.
     * A checkpoint saved without its config cannot be compared: a warning says so.
     *
     * @param section the config section of {@code config} ({@code sft}, {@code reward_model}, {@code ppo})
     * @throws TrainingStoppedException naming the checkpoint and each changed key with its old and new
     *     value, when the trajectory changed and {@code onChange} is {@link OnConfigChange#REFUSE}
     */
    public static void check(Checkpoint checkpoint, String section, Object config, OnConfigChange onChange)
            throws IOException {
        Map<String, Object> saved = checkpoint.state().config();
        if (saved.isEmpty()) {
            LOG.warn("{}: saved without its config, so whether the config changed cannot be checked", checkpoint.dir());
            return;
        }
        List<Change> changes = between(section, withDefaults(saved, config.getClass()), snapshot(config));
        List<Change> trajectory = changes.stream().filter(c -> !c.free()).toList();
        changes.stream().filter(Change::free).forEach(c ->
                LOG.info("{}: {} (does not alter the training)", checkpoint.dir(), c));
        if (trajectory.isEmpty()) {
            return;
        }
        String list = trajectory.stream().map(Change::toString).collect(Collectors.joining(", "));
        if (onChange == OnConfigChange.ALLOW) {
            LOG.warn("{}: resuming with a changed config, as allowed: {}", checkpoint.dir(), list);
            return;
        }
        throw new TrainingStoppedException(checkpoint.dir() + ": the config changed since this checkpoint was saved: " + list
                + "; these keys alter the training, so the resumed run would follow neither config: restore them, resume"
                + " anyway with --allow-config-change, or delete " + checkpoint.dir().getParent() + " to start over");
    }

    /**
     * The saved config bound through today's config record and back, so a key a newer version added
     * (absent from an older checkpoint) takes its default, as it would have then; the saved map as
     * it is when it no longer binds (a key removed or a value no longer valid).
     */
    static Map<String, Object> withDefaults(Map<String, Object> saved, Class<?> type) {
        try {
            return snapshot(JSON.convertValue(saved, type));
        } catch (IllegalArgumentException e) {
            return saved;
        }
    }

    private static void flatten(String prefix, JsonNode node, Map<String, JsonNode> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else {
            out.put(prefix, node);
        }
    }
}
