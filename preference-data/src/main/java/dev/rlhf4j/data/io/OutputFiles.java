package dev.rlhf4j.data.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;

/**
 * The two rules every command that writes a file follows, so that no command's output ever
 * truncates its own input:
 *
 * <ol>
 *   <li>an output that is one of the inputs is refused before anything is opened ({@link
 *       #checkNotAnInput}), comparing files, not spellings: {@code X/./a.jsonl}, a symbolic link
 *       and a hard link to an input are all that input;
 *   <li>the output is written to a temporary file beside it and renamed over it at the end ({@link
 *       #temporaryFor}, {@link #commit}), so an existing file stays whole until the new one is
 *       complete.
 * </ol>
 *
 * Used by {@code data import}, {@code data split}, {@code data stats --json}, {@code rm score --out}
 * and {@code rm eval --out/--html}.
 */
public final class OutputFiles {

    private OutputFiles() {}

    /**
     * Refuses an output that is one of the inputs.
     *
     * @param key the option or config key naming the output, for the message
     * @throws IllegalArgumentException {@code <key> must not be one of the inputs (it is written
     *     while they are read), but is: <output>}, plus the input's name when it is spelled
     *     differently
     */
    public static void checkNotAnInput(String key, Path output, Collection<Path> inputs) {
        for (Path input : inputs) {
            if (sameFile(output, input)) {
                boolean spelledAlike = output.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize());
                throw new IllegalArgumentException(key + " must not be one of the inputs (it is written while they are"
                        + " read), but is: " + output + (spelledAlike ? "" : " (the same file as " + input + ")"));
            }
        }
    }

    /** A new, empty temporary file in {@code target}'s directory (created if missing), for {@link #commit}. */
    public static Path temporaryFor(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        return Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
    }

    /** Renames {@code temp} over {@code target} in one step. */
    public static void commit(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static boolean sameFile(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
