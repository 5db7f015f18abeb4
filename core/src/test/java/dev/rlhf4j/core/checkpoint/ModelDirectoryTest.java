package dev.rlhf4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.io.OwnedDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saving a model directory never destroys what rlhf4j did not write, and replaces what it did by
 * renames: a kill at any instant leaves the old or the new directory, complete.
 */
class ModelDirectoryTest {

    private static final int FILES = 200; // enough files that deleting the old directory takes a while

    @TempDir
    Path tmp;

    @Test
    void refusesToReplaceADirectoryItDidNotWrite() throws IOException {
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(victim.resolve("thesis.tex"), "years of work");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ModelDirectory.writeAtomically(victim, dir -> Files.writeString(dir.resolve("config.json"), "{}")));
        assertEquals(victim.toAbsolutePath() + ": is not empty and was not written by rlhf4j (it has no .rlhf4j.json):"
                + " refusing to replace or delete it; choose another path, or move the directory away", e.getMessage());
        assertEquals("years of work", Files.readString(victim.resolve("thesis.tex")));
        assertEquals(Set.of("victim"), children(tmp), "no temporary directory left behind");
    }

    @Test
    void refusesToReplaceAFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("model"), "not a directory");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ModelDirectory.writeAtomically(file, dir -> { }));
        assertTrue(e.getMessage().startsWith(file.toAbsolutePath() + ": is a file, not a directory"), e.getMessage());
        assertEquals("not a directory", Files.readString(file));
    }

    @Test
    void writesIntoAnEmptyDirectoryAndMarksItsOwn() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        ModelDirectory.writeAtomically(dir, d -> Files.writeString(d.resolve("config.json"), "{\"a\": 1}"));
        Map<?, ?> marker = new ObjectMapper().readValue(dir.resolve(OwnedDirectory.MARKER).toFile(), Map.class);
        assertEquals(Map.of("written_by", "rlhf4j", "kind", "model"), marker);

        ModelDirectory.writeAtomically(dir, d -> Files.writeString(d.resolve("config.json"), "{\"a\": 2}"));
        assertEquals("{\"a\": 2}", Files.readString(dir.resolve("config.json")));
        assertEquals(Set.of("model"), children(tmp), "no backup or temporary directory left behind");
    }

    @Test
    void aStageOutputMustBeNoneOfItsInputModels() throws IOException {
        Path sft = tmp.resolve("sft");
        ModelDirectory.writeAtomically(sft, d -> Files.writeString(d.resolve("config.json"), "{}"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ModelDirectory.checkOutput("ppo.output",
                sft, Map.of("ppo.policy", tmp.resolve("other/../sft"))));
        assertEquals("ppo.output must not be ppo.policy, the model the stage starts from, but both are: " + sft
                + "; write the new model to another directory", e.getMessage());
        ModelDirectory.checkOutput("ppo.output", tmp.resolve("ppo"), Map.of("ppo.policy", sft)); // elsewhere: fine
    }

    @Test
    void aFailedWriteLeavesTheOldDirectory() throws IOException {
        Path dir = tmp.resolve("model");
        ModelDirectory.writeAtomically(dir, d -> Files.writeString(d.resolve("config.json"), "old"));
        assertThrows(RuntimeException.class, () -> ModelDirectory.writeAtomically(dir, d -> {
            Files.writeString(d.resolve("config.json"), "new");
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(dir.resolve("config.json")));
        assertEquals(Set.of("model"), children(tmp));
    }

    /** Each intermediate state a killed replace can leave is finished by the next run: the old or the new, whole. */
    @Test
    void recoverRestoresABackupAndDeletesOnlyItsOwnLeftovers() throws Exception {
        long dead = deadPid();
        long alive = ProcessHandle.current().pid();
        Path backup = model(tmp.resolve("model.old-" + dead + "-0000abcd"), "old");
        Path unfinished = model(tmp.resolve("model.tmp-" + dead + "-0000beef"), "half");
        Path busy = model(tmp.resolve("model.tmp-" + alive + "-0000cafe"), "being written by a live process");
        Path unmarked = Files.createDirectories(tmp.resolve("model.tmp-" + dead + "-0000f00d"));
        Files.writeString(unmarked.resolve("notes.txt"), "not rlhf4j's");
        Path lookalike = Files.createDirectories(tmp.resolve("model.tmp-mine"));

        OwnedDirectory.recover(tmp.resolve("model"));

        assertEquals("old", Files.readString(tmp.resolve("model/config.json")), "the backup is back in place");
        assertEquals(Set.of("model", busy.getFileName().toString(), unmarked.getFileName().toString(),
                lookalike.getFileName().toString()), children(tmp));
        assertTrue(Files.notExists(backup) && Files.notExists(unfinished));
    }

    /**
     * SIGKILL while a child JVM replaces a directory of {@value #FILES} files over and over: at the
     * first moment the directory is seen incomplete, else at a random moment. After each kill (and
     * the recovery any next save runs) the directory is whole, every file from one and the same
     * save, and nothing else is left beside it.
     */
    @Test
    void aKillAtAnyMomentLeavesTheOldOrTheNewDirectoryWhole() throws Exception {
        Path dir = tmp.resolve("model");
        Random random = new Random(12);
        for (int kill = 0; kill < 8; kill++) {
            Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Saver.class.getName(), dir.toString()))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                assertTrue(out.readLine().startsWith("saved "), "the child saves");
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5 + random.nextInt(200));
                while (System.nanoTime() < deadline && looksWhole(dir)) {
                    Thread.onSpinWait();
                }
            } finally {
                child.destroyForcibly();
                child.waitFor(60, TimeUnit.SECONDS);
            }
            OwnedDirectory.recover(dir);
            assertEquals(Set.of("model"), children(tmp), "after kill " + kill);
            Set<String> generations = new TreeSet<>();
            for (int i = 0; i < FILES; i++) {
                generations.add(Files.readString(dir.resolve("f" + i)));
            }
            assertEquals(1, generations.size(), "after kill " + kill + ": files of different saves " + generations);
        }
    }

    private static boolean looksWhole(Path dir) {
        return Files.isRegularFile(dir.resolve("f0")) && Files.isRegularFile(dir.resolve("f" + (FILES - 1)));
    }

    /** The child's main: replaces the directory, each time with every file holding the save's number. */
    static final class Saver {
        public static void main(String[] args) {
            Path dir = Path.of(args[0]);
            for (long generation = System.nanoTime(); ; generation++) {
                String text = Long.toString(generation);
                ModelDirectory.writeAtomically(dir, d -> {
                    for (int i = 0; i < FILES; i++) {
                        Files.writeString(d.resolve("f" + i), text);
                    }
                });
                System.out.println("saved " + generation);
                System.out.flush();
            }
        }
    }

    private static Path model(Path dir, String config) throws IOException {
        Files.createDirectories(dir);
        OwnedDirectory.mark(dir, "model");
        Files.writeString(dir.resolve("config.json"), config);
        return dir;
    }

    /** The PID of a process that has exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private static Set<String> children(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
