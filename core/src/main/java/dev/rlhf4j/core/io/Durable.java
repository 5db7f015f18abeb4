package dev.rlhf4j.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Publishing directories safely: force files and directories to disk before a rename publishes
 * them (without it, a power loss right after the rename can leave the new name pointing at empty
 * or partial files), rename atomically, and delete whole trees.
 */
public final class Durable {

    private Durable() {}

    /** Forces every file and directory under {@code dir}, and {@code dir} itself, to disk. */
    public static void fsyncTree(Path dir) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.toList();
        }
        for (Path p : paths) {
            fsync(p);
        }
    }

    /**
     * Renames atomically, or fails: a copy-and-delete fallback could leave half a directory under
     * the new name.
     */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to
                    + " atomically: it must be on a file system with atomic renames", e);
        }
    }

    /** Deletes {@code dir} and everything below it (not following links); nothing happens if it is absent. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }

    /** Forces a file's or a directory's contents to disk (directories: where the OS allows). */
    public static void fsync(Path p) throws IOException {
        boolean dir = Files.isDirectory(p);
        try (FileChannel ch = FileChannel.open(p, dir ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            if (!dir) {
                throw e;
            } // some platforms cannot open a directory for fsync; the rename is still atomic
        }
    }
}
