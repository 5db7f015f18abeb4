package dev.rlhf4j.core.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rlhf4j.core.util.Checks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything besides weights and optimizer moments that a resumed run needs to continue exactly,
 * saved as {@code trainer_state.json} in each checkpoint (the file written last: its presence marks
 * the checkpoint complete).
 *
 * @param step training steps done (skipped non-finite steps included)
 * @param optimizerStep optimizer updates applied: the LR schedule's position ({@code
 *     schedule.lr(optimizerStep)} is the next update's rate)
 * @param epoch passes over the data completed
 * @param dataPosition examples of the current epoch already consumed
 * @param rngSeed the {@link SeededRng} seed
 * @param rngCounter the {@link SeededRng} draws made; {@code new SeededRng(rngSeed, rngCounter)}
 *     continues the sequence. The engine's own generator (libtorch) cannot be saved through DJL:
 *     stages that need engine randomness reseed it from the SeededRng at each step, which makes it
 *     a function of this state too
 * @param extra stage-specific state (e.g. the adaptive KL coefficient): JSON values (numbers,
 *     strings, booleans, lists, maps), stored in key order
 * @param config the stage's resolved config section ({@link ConfigChanges#snapshot}), so that a
 *     resumed run can tell whether its config changed ({@link ConfigChanges#check}); empty for a
 *     checkpoint written without it
 */
public record TrainerState(long step, long optimizerStep, long epoch, long dataPosition, long rngSeed, long rngCounter,
        Map<String, Object> extra, Map<String, Object> config) {

    /** The file name inside a checkpoint. */
    public static final String FILE = "trainer_state.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    public TrainerState {
        Checks.nonNegative("step", step);
        Checks.nonNegative("optimizer_step", optimizerStep);
        Checks.nonNegative("epoch", epoch);
        Checks.nonNegative("data_position", dataPosition);
        Checks.nonNegative("rng_counter", rngCounter);
        extra = Map.copyOf(Checks.notNull("extra", extra));
        config = Collections.unmodifiableMap(new TreeMap<>(Checks.notNull("config", config))); // JSON nulls allowed
    }

    /** A state without the stage config (tests, and loops that have no config to compare). */
    public TrainerState(long step, long optimizerStep, long epoch, long dataPosition, long rngSeed, long rngCounter,
            Map<String, Object> extra) {
        this(step, optimizerStep, epoch, dataPosition, rngSeed, rngCounter, extra, Map.of());
    }

    /** The generator this state describes. */
    public SeededRng rng() {
        return new SeededRng(rngSeed, rngCounter);
    }

    /** Writes this state as JSON to {@code file}. */
    public void write(Path file) throws IOException {
        JSON.writeValue(file.toFile(), toMap());
    }

    /**
     * Reads a state written by {@link #write}.
     *
     * @throws IOException naming the file if it is missing, malformed or lacks a key
     */
    public static TrainerState read(Path file) throws IOException {
        Map<String, Object> m;
        try {
            m = JSON.readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new IOException(file + ": not a readable trainer state: " + e.getMessage(), e);
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> extra = (Map<String, Object>) m.getOrDefault("extra", Map.of());
            @SuppressWarnings("unchecked")
            Map<String, Object> config = (Map<String, Object>) m.getOrDefault("config", Map.of());
            return new TrainerState(longKey(file, m, "step"), longKey(file, m, "optimizer_step"),
                    longKey(file, m, "epoch"), longKey(file, m, "data_position"), longKey(file, m, "rng_seed"),
                    longKey(file, m, "rng_counter"), extra, config);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Object> toMap() {
        Map<String, Object> m = new TreeMap<>();
        m.put("step", step);
        m.put("optimizer_step", optimizerStep);
        m.put("epoch", epoch);
        m.put("data_position", dataPosition);
        m.put("rng_seed", rngSeed);
        m.put("rng_counter", rngCounter);
        m.put("extra", new TreeMap<>(extra));
        if (!config.isEmpty()) {
            m.put("config", config);
        }
        return m;
    }

    private static long longKey(Path file, Map<String, Object> m, String key) throws IOException {
        Object v = m.get(key);
        if (!(v instanceof Number n) || v instanceof Double || v instanceof Float) {
            throw new IOException(file + ": key " + key + " must be an integer, but is: " + v);
        }
        return n.longValue();
    }
}
