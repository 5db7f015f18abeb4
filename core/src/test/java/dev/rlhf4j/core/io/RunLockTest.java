package dev.rlhf4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One run per directory: a second lock attempt fails at once, naming the lock file and the
 * holder's PID, whether the holder is another JVM (a child process started here) or this one.
 */
class RunLockTest {

    @TempDir
    Path tmp;

    @Test
    void anotherProcessHoldingTheLockIsNamedByItsPid() throws Exception {
        Path run = tmp.resolve("run");
        Process child = startHolder(run);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", out.readLine(), "the child took the lock");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunLock.acquire(run));
            assertEquals(run.resolve(".lock") + ": the run directory is locked by process " + child.pid()
                    + " (another rlhf4j run is writing to it); wait for it to finish or stop it", e.getMessage());
        } finally {
            child.destroyForcibly(); // SIGKILL: the operating system drops its lock
            child.waitFor(60, TimeUnit.SECONDS);
        }
        try (RunLock lock = RunLock.acquire(run)) { // the file a killed holder left behind blocks nobody
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(lock.file()));
        }
    }

    @Test
    void aSecondAttemptInThisProcessFailsAndTheFirstLockSurvivesIt() throws Exception {
        Path run = tmp.resolve("run");
        try (RunLock first = RunLock.acquire(run)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunLock.acquire(run));
            assertEquals(run.resolve(".lock") + ": the run directory is locked by process "
                    + ProcessHandle.current().pid() + " (another rlhf4j run is writing to it); wait for it to finish"
                    + " or stop it", e.getMessage());
            // the failed attempt must not have released the first lock: another process still sees it
            Process child = startHolder(run);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line = out.readLine();
                assertEquals("refused: " + run.resolve(".lock") + ": the run directory is locked by process "
                        + ProcessHandle.current().pid() + " (another rlhf4j run is writing to it); wait for it to finish"
                        + " or stop it", line);
            } finally {
                child.destroyForcibly();
                child.waitFor(60, TimeUnit.SECONDS);
            }
        }
        RunLock.acquire(run).close(); // released: free again
    }

    /** A child JVM that takes the lock, prints "locked" (or "refused: message"), and waits to be killed. */
    private static Process startHolder(Path run) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Holder.class.getName());
        cmd.add(run.toString());
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The child's main. */
    static final class Holder {
        public static void main(String[] args) throws Exception {
            RunLock lock;
            try {
                lock = RunLock.acquire(Path.of(args[0]));
            } catch (IllegalStateException e) {
                System.out.println("refused: " + e.getMessage());
                System.out.flush();
                return;
            }
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(120_000); // killed by the test long before
            lock.close();
        }
    }
}
