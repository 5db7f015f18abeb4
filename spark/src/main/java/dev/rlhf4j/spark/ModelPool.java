package dev.rlhf4j.spark;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * Models loaded in this executor, kept for the executor's life: a task borrows one and gives it
 * back, so a model is loaded once per concurrent task slot, not once per task (a job has many more
 * tasks than slots). Each slot gets its own model, so no two threads share one.
 */
final class ModelPool {

    private static final Map<String, Queue<Object>> POOL = new ConcurrentHashMap<>();

    private ModelPool() {}

    /** A loaded reward model with its tokenizer and manager. */
    static final class Loaded {
        final String key;
        final NDManager manager;
        final Tokenizer tokenizer;
        final RewardModel model;
        final RewardInputs inputs;

        private Loaded(String key, Path dir, Integer maxLength) {
            this.key = key;
            this.manager = NDManager.newBaseManager();
            this.tokenizer = Tokenizer.load(dir);
            this.model = RewardModel.load(dir, manager);
            this.inputs = RewardInputs.forModel(model, tokenizer, maxLength);
        }

        RewardScorer scorer(int batchSize) {
            return new RewardScorer(model, inputs, batchSize, manager);
        }
    }

    /** A reward model for this task: a pooled one, or a new one. */
    static Loaded borrow(String dir, Integer maxLength, int torchThreads) {
        String key = "rm\u0000" + dir + "\u0000" + maxLength;
        return borrow(key, torchThreads, () -> new Loaded(key, Path.of(dir), maxLength));
    }

    /**
     * What {@code load} gives, for this task: a pooled one of the same key, or a new one.
     *
     * @param torchThreads libtorch threads per task (> 0), applied when this executor's engine has
     *     not started yet; 0 leaves the engine's default (or {@code -Dai.djl.pytorch.num_threads})
     */
    @SuppressWarnings("unchecked")
    static <T> T borrow(String key, int torchThreads, Supplier<T> load) {
        if (torchThreads > 0 && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(torchThreads));
        }
        Object m = POOL.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        return m != null ? (T) m : load.get();
    }

    /** Returns what {@link #borrow} gave for {@code key}. */
    static void giveBack(String key, Object m) {
        POOL.get(key).add(m);
    }

    static void giveBack(Loaded m) {
        giveBack(m.key, m);
    }
}
