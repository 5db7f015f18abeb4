package dev.rlhf4j.cli.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.cli.Rlhf4j;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.io.OwnedDirectory;
import dev.rlhf4j.core.io.RunLock;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code rlhf4j pipeline} touches only what rlhf4j wrote: {@code --force}, a run name with
 * {@code ..}, or a stage output pointed at someone's directory never destroy anything else, and
 * each is refused with a message naming the path or the key.
 */
class PipelineCommandTest {

    private static final Path HH_RLHF = Path.of("../preference-data/src/test/resources/fixtures/hh-rlhf.jsonl")
            .toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Rlhf4j.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Path dataConfig(String name) throws IOException {
        return Files.writeString(tmp.resolve("run.yaml"), "name: " + name + "\nruns_dir: " + tmp.resolve("runs")
                + "\ndata:\n  inputs: [" + HH_RLHF + "]\n  test: 0.3\n");
    }

    @Test
    void forceDeletesOnlyDirectoriesRlhf4jWrote() throws IOException {
        Path config = dataConfig("t");
        Run first = run("pipeline", "-c", config.toString());
        assertEquals(0, first.exit(), first.err());
        Path data = tmp.resolve("runs/t/data");
        assertTrue(Files.exists(data.resolve("train.jsonl")));
        Run again = run("pipeline", "-c", config.toString(), "--force");
        assertEquals(0, again.exit(), again.err());
        assertTrue(Files.exists(data.resolve("train.jsonl")), "its own stage directory is rerun");

        // --run-dir pointed at someone's directory: nothing in it is deleted or overwritten
        Path mine = Files.createDirectories(tmp.resolve("mine/data"));
        Files.writeString(mine.resolve("thesis.tex"), "years of work");
        Files.writeString(tmp.resolve("mine/config.yaml"), "mine: true\n");
        Run refused = run("pipeline", "-c", config.toString(), "--run-dir", tmp.resolve("mine").toString(), "--force");
        assertEquals(1, refused.exit(), refused.err());
        assertEquals("rlhf4j pipeline: " + tmp.resolve("mine") + ": is not empty and was not written by rlhf4j (it has no"
                + " .rlhf4j.json): refusing to replace or delete it; choose another path, or move the directory away",
                refused.err().strip());
        assertEquals("years of work", Files.readString(mine.resolve("thesis.tex")));
        assertEquals("mine: true\n", Files.readString(tmp.resolve("mine/config.yaml")));
    }

    /** Two runs on one directory: the second fails at once with one line naming the lock file and the holder. */
    @Test
    void aSecondRunOnALockedRunDirectoryFailsAtOnce() throws IOException {
        Path config = dataConfig("t");
        Path dir = tmp.resolve("runs/t");
        OwnedDirectory.claim(dir, "run");
        try (RunLock held = RunLock.acquire(dir)) {
            Run r = run("pipeline", "-c", config.toString());
            assertEquals(1, r.exit(), r.err());
            assertEquals("rlhf4j pipeline: " + dir.resolve(".lock") + ": the run directory is locked by process "
                    + ProcessHandle.current().pid() + " (another rlhf4j run is writing to it); wait for it to finish or"
                    + " stop it", r.err().strip());
            assertFalse(Files.exists(dir.resolve("data")), "nothing was written");
        }
    }

    @Test
    void aRunNameThatLeavesRunsDirIsRefusedBeforeAnythingIsWritten() throws IOException {
        String name = "../../" + tmp.getFileName() + "-escaped"; // a sibling of this test's directory
        Path config = dataConfig(name);
        Run r = run("pipeline", "-c", config.toString(), "--force");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("rlhf4j pipeline: " + config + ": name must stay inside runs_dir ("
                + tmp.resolve("runs") + ") or be an absolute path, but is: " + name), r.err());
        assertFalse(Files.exists(tmp.resolveSibling(tmp.getFileName() + "-escaped")));
    }

    /** sft.output set to an unrelated directory: refused before the first stage, the directory untouched. */
    @Test
    void aStageOutputOnSomeonesDirectoryIsRefusedBeforeAnyStageRuns() throws IOException {
        Path model = tmp.resolve("base");
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2")); NDManager m = NDManager.newBaseManager()) {
            ModelConfig c = ModelConfig.gpt2(384, 32, 2, 4, 64).withSpecialTokens(tok.bosId(), tok.eosIds(), tok.padId());
            try (CausalLM lm = new CausalLM(c, m, WeightSource.random(1, 0.2f, 2), true)) {
                ModelDirectory.saveCausalLM(model, lm, tok);
            }
        }
        Path demos = Files.write(tmp.resolve("d.jsonl"), List.of(
                "{\"prompt\": \"Q: Who bought the flour?\\nA:\", \"completion\": \" The baker.\"}"));
        Path victim = Files.createDirectories(tmp.resolve("runs/victim"));
        Files.writeString(victim.resolve("notes.txt"), "keep me");
        Path config = Files.writeString(tmp.resolve("run.yaml"), "name: t\nruns_dir: " + tmp.resolve("runs")
                + "\ndata:\n  inputs: [" + HH_RLHF + "]\nsft:\n  model: " + model + "\n  data: " + demos
                + "\n  max_length: 32\n  training: {max_steps: 1}\n");

        Run r = run("pipeline", "-c", config.toString(), "--set", "sft.output=" + victim);
        assertEquals(1, r.exit(), r.err());
        assertEquals("rlhf4j pipeline: sft.output: " + victim + ": is not empty and was not written by rlhf4j (it has no"
                + " .rlhf4j.json): refusing to replace or delete it; choose another path, or move the directory away",
                r.err().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertEquals("keep me", Files.readString(victim.resolve("notes.txt")));
        assertFalse(Files.exists(tmp.resolve("runs/t/data/done.json")), "no stage ran");
    }

    /**
     * data, sft and dpo in one run: dpo starts from sft's output and reads the data stage's train and
     * test splits (canonical records, their text marked) without being told.
     */
    @Test
    void dpoChainsFromSftAndTheDataStage() throws IOException {
        List<String> triples = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            triples.add("{\"prompt\": \"How is the mill " + i + "?\", \"chosen\": \" Good.\", \"rejected\": \" Bad.\"}");
        }
        Path prefs = Files.write(tmp.resolve("prefs.jsonl"), triples);
        Path demos = Files.write(tmp.resolve("d.jsonl"), List.of(
                "{\"prompt\": \"How is the mill?\", \"completion\": \" Good.\"}"));
        Path config = Files.writeString(tmp.resolve("run.yaml"), "name: t\nruns_dir: " + tmp.resolve("runs")
                + "\ndata:\n  inputs: [" + prefs + "]\n  test: 0.25\nsft:\n  model: " + Fixtures.parityModel("gpt2")
                + "\n  data: " + demos + "\n  max_length: 32\n  training: {max_steps: 1}\n"
                + "dpo:\n  training: {batch_size: 4, max_steps: 2, lr: 1.0e-3}\n");
        Run r = run("pipeline", "-c", config.toString());
        assertEquals(0, r.exit(), r.err());
        Path run = tmp.resolve("runs/t");
        assertTrue(Files.exists(run.resolve("dpo/model/model.safetensors")));
        String resolved = Files.readString(run.resolve("config.yaml"));
        assertTrue(resolved.contains("model: \"" + run.resolve("sft/model") + "\"")
                || resolved.contains("model: " + run.resolve("sft/model")), resolved);
        JsonNode done = new ObjectMapper()
                .readTree(run.resolve("dpo/done.json").toFile());
        assertEquals(2, done.get("steps").asInt());
        long trainLines = Files.readAllLines(run.resolve("data/train.jsonl")).size();
        assertEquals(trainLines, done.get("pairs").asLong(), "every pair of the train split");
        assertTrue(done.get("eval").get("eval/rewards/accuracies").isNumber(), "the test split is evaluated");
    }
}
