package dev.rlhf4j.core.train;

import dev.rlhf4j.core.io.Durable;
import dev.rlhf4j.core.util.Checks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints under one directory, {@code <run>/<stage>/checkpoints/step-N/}, written so that a
 * crash at any moment never leaves a half-written checkpoint as the latest one.
 *
 * <p>{@link #save} writes into a temporary sibling {@code step-N.tmp-XXXX}: first whatever the
 * caller's {@link CheckpointWriter} writes (the model directory in Hugging Face layout, {@link
 * #OPTIMIZER_FILE}, ...), then, last, {@link TrainerState#FILE}. Every file and the directory are
 * fsynced, the directory is renamed to {@code step-N} in one atomic rename, and the parent is
 * fsynced. Then all but the newest {@code keepLast} complete checkpoints are deleted.
 *
 * <p>Layout, as Hugging Face's Trainer lays out {@code checkpoint-N/}: the model directory's files
 * at the top ({@code config.json}, {@code model.safetensors}, tokenizer files), so a checkpoint
 * loads anywhere a model directory does, beside {@link #OPTIMIZER_FILE} and {@link
 * TrainerState#FILE}. Resume: load the model from {@code latest().dir()}, build the optimizer on
 * its parameters, {@link AdamW#load} the optimizer file, and continue from {@link
 * Checkpoint#state()}.
 *
 * <p>A checkpoint is complete when it is a {@code step-N} directory holding {@link
 * TrainerState#FILE}. {@link #latest} and {@link #complete} see only complete checkpoints:
 * temporary directories and directories without the state file are ignored, and leftover
 * temporary directories of a killed run are deleted by the next {@link #save}. One process writes
 * to a checkpoint directory at a time.
 */
public final class CheckpointManager {

    /** The optimizer-state file name trainers use inside a checkpoint ({@link AdamW#save}). */
    public static final String OPTIMIZER_FILE = "optimizer.ndlist";

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointManager.class);
    private static final Pattern COMPLETE = Pattern.compile("step-(\\d+)");
    private static final Pattern TEMPORARY = Pattern.compile("step-\\d+\\.tmp-.*");

    private final Path root;
    private final int keepLast;

    /**
     * @param root the checkpoints directory (created on the first save)
     * @param keepLast how many complete checkpoints to keep (>= 1)
     */
    public CheckpointManager(Path root, int keepLast) {
        this.root = Checks.notNull("checkpoints directory", root);
        this.keepLast = Checks.positive("keep_checkpoints", keepLast);
    }

    /** Writes the files of one checkpoint into a (temporary) directory. */
    @FunctionalInterface
    public interface CheckpointWriter {
        /**
         * @param dir the empty directory to write into
         * @throws IOException if writing fails; the checkpoint is then abandoned
         */
        void write(Path dir) throws IOException;
    }

    /**
     * Saves a checkpoint for {@code state.step()}: the writer's files, then the state file, then
     * the atomic rename; then prunes to the newest {@code keepLast}. An existing checkpoint of the
     * same step is replaced.
     *
     * @return the complete checkpoint
     */
    public Checkpoint save(TrainerState state, CheckpointWriter writer) throws IOException {
        Files.createDirectories(root);
        deleteTemporaries();
        String name = "step-" + state.step();
        Path tmp = Files.createTempDirectory(root, name + ".tmp-");
        try {
            writer.write(tmp);
            Durable.fsyncTree(tmp);
            Path stateFile = tmp.resolve(TrainerState.FILE);
            state.write(stateFile);
            Durable.fsync(stateFile);
            Durable.fsync(tmp);
        } catch (IOException | RuntimeException e) {
            Durable.deleteTree(tmp);
            throw e;
        }
        Path target = root.resolve(name);
        Path replaced = null;
        if (Files.exists(target)) { // rename cannot replace a non-empty directory: move the old one aside first
            replaced = root.resolve(name + ".tmp-replaced");
            Durable.deleteTree(replaced);
            Durable.move(target, replaced);
        }
        Durable.move(tmp, target);
        Durable.fsync(root);
        if (replaced != null) {
            Durable.deleteTree(replaced);
        }
        prune();
        return new Checkpoint(state.step(), target);
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Checkpoint> latest() throws IOException {
        List<Checkpoint> all = complete();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** All complete checkpoints, oldest first. */
    public List<Checkpoint> complete() throws IOException {
        List<Checkpoint> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> children = Files.list(root)) {
            for (Path p : (Iterable<Path>) children::iterator) {
                Matcher m = COMPLETE.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p) && Files.isRegularFile(p.resolve(TrainerState.FILE))) {
                    out.add(new Checkpoint(Long.parseLong(m.group(1)), p));
                }
            }
        }
        out.sort(Comparator.comparingLong(Checkpoint::step));
        return out;
    }

    /** The checkpoints directory. */
    public Path root() {
        return root;
    }

    private void prune() throws IOException {
        List<Checkpoint> all = complete();
        for (int i = 0; i < all.size() - keepLast; i++) {
            // rename first so a crash mid-delete leaves a temporary, not a complete-looking torn checkpoint
            Path doomed = root.resolve(all.get(i).dir().getFileName() + ".tmp-deleting");
            Durable.move(all.get(i).dir(), doomed);
            Durable.deleteTree(doomed);
        }
    }

    private void deleteTemporaries() throws IOException {
        try (Stream<Path> children = Files.list(root)) {
            for (Path p : (Iterable<Path>) children::iterator) {
                if (TEMPORARY.matcher(p.getFileName().toString()).matches()) {
                    LOG.info("deleting an unfinished checkpoint left by an interrupted run: {}", p);
                    Durable.deleteTree(p);
                }
            }
        }
    }


}
