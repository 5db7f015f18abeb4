package dev.rlhf4j.core.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Directories rlhf4j writes and may later replace or delete: model directories, run and stage
 * directories. Each carries a marker file, {@value #MARKER}, naming its writer, and rlhf4j replaces
 * or deletes a directory only when it is absent, empty, or carries the marker: a mistyped output
 * path, run name or {@code --run-dir} can never cost the user a directory of their own.
 *
 * <p>{@link #replace} swaps by renames, so a kill at any instant leaves under the final name either
 * the old complete directory or the new complete one:
 *
 * <ol>
 *   <li>write the new directory as a sibling {@code <name>.tmp-<pid>-<random>} (the marker first,
 *       as a claim of ownership) and force it to disk;
 *   <li>rename the old directory, if any, to {@code <name>.old-<pid>-<random>};
 *   <li>rename the new one to {@code <name>};
 *   <li>rename the old one to {@code <name>.deleting-<pid>-<random>} and delete it.
 * </ol>
 *
 * A killed replace leaves siblings with these names, and {@link #recover} (run by every replace,
 * and by the pipeline before it starts) finishes the job: a backup whose final directory is
 * missing (a kill between steps 2 and 3) is renamed back; every other leftover of a process that is
 * no longer running is deleted. Siblings of a running process, and anything not named this way,
 * are left alone.
 */
public final class OwnedDirectory {

    /** The marker file: {@code {"written_by": "rlhf4j", "kind": ...}}. */
    public static final String MARKER = ".rlhf4j.json";

    private static final Logger LOG = LoggerFactory.getLogger(OwnedDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private OwnedDirectory() {}

    /** Something that fills a new, empty directory. */
    @FunctionalInterface
    public interface Contents {
        void write(Path dir) throws IOException;
    }

    /** Whether {@code dir} carries the marker. */
    public static boolean isOwned(Path dir) {
        return Files.isRegularFile(dir.resolve(MARKER));
    }

    /** Writes the marker into {@code dir}; {@code kind} says what the directory is (model, run, stage). */
    public static void mark(Path dir, String kind) throws IOException {
        Map<String, Object> marker = new LinkedHashMap<>();
        marker.put("written_by", "rlhf4j");
        marker.put("kind", kind);
        JSON.writeValue(dir.resolve(MARKER).toFile(), marker);
    }

    /**
     * Requires that rlhf4j may replace or delete {@code dir}: it is absent, an empty directory, or
     * carries the marker.
     *
     * @throws IllegalStateException naming the path and why otherwise
     */
    public static void checkReplaceable(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new RefusedException(dir + ": is a file, not a directory: refusing to replace it;"
                    + " choose another path, or move the file away");
        }
        if (!isOwned(dir) && !isEmpty(dir)) {
            throw new RefusedException(dir + ": is not empty and was not written by rlhf4j (it has no " + MARKER
                    + "): refusing to replace or delete it; choose another path, or move the directory away");
        }
    }

    /**
     * Makes {@code dir} a directory of rlhf4j's: creates and marks it, or marks an existing empty
     * one; one that already carries the marker is taken as it is.
     *
     * @throws IllegalStateException if it exists, is not empty and carries no marker
     */
    public static void claim(Path dir, String kind) throws IOException {
        checkReplaceable(dir);
        Files.createDirectories(dir);
        if (!isOwned(dir)) {
            mark(dir, kind);
        }
    }

    /**
     * Deletes a directory rlhf4j wrote (absent: nothing to do). It is renamed aside first, so a kill
     * during the deletion leaves a {@code .deleting-} sibling for {@link #recover}, never a
     * half-deleted directory under its own name.
     *
     * @throws IllegalStateException if it is not empty and carries no marker
     */
    public static void delete(Path dir) throws IOException {
        checkReplaceable(dir);
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            deleteAside(abs, abs);
        }
    }

    /**
     * Replaces {@code dir} with a new directory filled by {@code contents} and marked as {@code
     * kind}, by renames (see the class comment). An existing {@code dir} must be empty or carry the
     * marker; on failure the old directory stays as it was.
     *
     * @throws IllegalStateException if {@code dir} exists, is not empty and carries no marker
     */
    public static void replace(Path dir, String kind, Contents contents) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        recover(abs);
        checkReplaceable(abs);
        Path tmp = sibling(abs, "tmp");
        Path backup = null;
        Files.createDirectory(tmp);
        try {
            mark(tmp, kind);
            contents.write(tmp);
            Durable.fsyncTree(tmp);
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                backup = sibling(abs, "old");
                Durable.move(abs, backup);
            }
            Durable.move(tmp, abs);
            Durable.fsync(parent);
        } catch (IOException | RuntimeException e) {
            if (backup != null && !Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                Durable.move(backup, abs);
            }
            Durable.deleteTree(tmp);
            throw e;
        }
        if (backup != null) {
            deleteAside(backup, abs);
        }
    }

    /**
     * Finishes what a killed {@link #replace} or {@link #delete} of {@code dir} left behind, for
     * every process that is no longer running: restores a backup when {@code dir} is missing, and
     * deletes the other leftovers. Nothing else in the parent directory is touched.
     */
    public static void recover(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        Pattern leftover = Pattern.compile(Pattern.quote(abs.getFileName().toString())
                + "\\.(tmp|old|deleting)-(\\d+)-[0-9a-f]{8}");
        List<Path> siblings;
        try (Stream<Path> list = Files.list(parent)) {
            siblings = list.sorted().toList();
        }
        for (Path sibling : siblings) {
            Matcher m = leftover.matcher(sibling.getFileName().toString());
            if (!m.matches() || running(Long.parseLong(m.group(2)))) {
                continue;
            }
            switch (m.group(1)) {
                case "old" -> {
                    if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                        deleteAside(sibling, abs);
                    } else {
                        Durable.move(sibling, abs);
                        LOG.warn("{}: restored from {}, left by a run killed while replacing it", abs, sibling);
                    }
                }
                case "tmp" -> {
                    if (isOwned(sibling) || isEmpty(sibling)) {
                        LOG.info("deleting {}, left unfinished by a run killed while writing it", sibling);
                        Durable.deleteTree(sibling);
                    }
                }
                default -> Durable.deleteTree(sibling); // already renamed for deletion: owned by construction
            }
        }
    }

    private static Path sibling(Path abs, String tag) {
        return abs.resolveSibling(String.format("%s.%s-%d-%08x", abs.getFileName(), tag, ProcessHandle.current().pid(),
                ThreadLocalRandom.current().nextInt()));
    }

    /** Renames {@code dir} to a {@code .deleting-} sibling of {@code name}, then deletes it. */
    private static void deleteAside(Path dir, Path name) throws IOException {
        Path doomed = sibling(name, "deleting");
        Durable.move(dir, doomed);
        Durable.deleteTree(doomed);
    }

    private static boolean running(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }


}
