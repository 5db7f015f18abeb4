package dev.rlhf4j.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * An exclusive lock on a run directory, held for as long as a run writes into it: a second run on
 * the same directory, in this process or another, fails at once instead of interleaving its lines
 * with the first one's {@code metrics.jsonl} and racing it for the checkpoints.
 *
 * <pre>{@code
 * try (RunLock lock = RunLock.acquire(runDir)) {   // <run dir>/.lock, holding this process's PID
 *     ... train ...
 * }
 * }</pre>
 *
 * <p>The lock is the operating system's ({@link FileChannel#tryLock()}), so it goes with the process:
 * a killed run leaves the {@link #FILE} behind but never a stale lock. The file holds the PID of the
 * last holder, for the message a refused run prints.
 *
 * <p>Within one JVM, locks are also recorded in a set: on Linux, closing any channel to a file
 * drops every lock the process holds on it, so a second attempt must never open the file at all.
 */
public final class RunLock implements AutoCloseable {

    /** The lock file's name inside the run directory. */
    public static final String FILE = ".lock";

    private static final Set<Path> HELD = new HashSet<>(); // lock files this JVM holds, by real path

    private final Path file;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, Path key, FileChannel channel, FileLock lock) {
        this.file = file;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (created if missing) for this process.
     *
     * @throws IllegalStateException naming the lock file and the holder's PID when another run,
     *     in this process or another, holds it
     * @throws UncheckedIOException when the lock file cannot be created or written
     */
    public static RunLock acquire(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            Path key = dir.toRealPath().resolve(FILE);
            synchronized (HELD) {
                if (HELD.contains(key)) {
                    throw locked(file, ProcessHandle.current().pid());
                }
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    // another channel of this JVM holds it; closing ours would release that lock too (Linux)
                    throw locked(file, ProcessHandle.current().pid());
                }
                if (lock == null) {
                    String holder = readHolder(channel);
                    channel.close(); // this process holds no lock on the file, so closing releases nothing
                    throw locked(file, holder);
                }
                try {
                    writePid(channel);
                } catch (IOException e) {
                    channel.close();
                    throw e;
                }
                HELD.add(key);
                return new RunLock(file, key, channel, lock);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot lock the run directory: " + e.getMessage(), e);
        }
    }

    /** The lock file. */
    public Path file() {
        return file;
    }

    /** Releases the lock; the file stays (deleting it would race a run that has just opened it). */
    @Override
    public void close() {
        synchronized (HELD) {
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": cannot release the lock: " + e.getMessage(), e);
            } finally {
                HELD.remove(key);
            }
        }
    }

    private static IllegalStateException locked(Path file, Object pid) {
        return new RefusedException(file + ": the run directory is locked by process " + pid
                + " (another rlhf4j run is writing to it); wait for it to finish or stop it");
    }

    private static String readHolder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
        return text.matches("\\d+") ? text : "unknown (the lock file holds no PID yet)";
    }

    private static void writePid(FileChannel channel) throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(false);
    }
}
