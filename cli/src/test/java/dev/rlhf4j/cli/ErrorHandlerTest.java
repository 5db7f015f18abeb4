package dev.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.train.TrainingStoppedException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Every command reports an error as one line, {@code rlhf4j <command>: <message>}, and exits with
 * the documented code: 1 a failed run, 2 bad usage or config, 70 a bug; {@code --debug} adds the
 * stack trace.
 */
class ErrorHandlerTest {

    @TempDir
    Path tmp;

    /** --debug also lowers DJL's log level for the rest of the process; later tests expect the default. */
    @AfterEach
    void defaultLogLevels() {
        System.clearProperty(Rlhf4j.DJL_LOG_LEVEL);
    }

    private record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private static Run run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static Run run(String... args) {
        return run(Rlhf4j.commandLine(), args);
    }

    /** A command that fails the way a bug does. */
    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new NullPointerException("no value");
        }
    }

    /** A run that needs more heap than it has. */
    @Command(name = "oom")
    static final class OutOfMemory implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Test
    void aMissingConfigFileIsAConfigError() {
        Path cfg = tmp.resolve("nope.yaml");
        Run r = run("pipeline", "-c", cfg.toString());
        assertEquals(2, r.exit());
        assertEquals(List.of("rlhf4j pipeline: " + cfg + ": config file not found"), r.errLines());
    }

    @Test
    void aBadPpoKeyNamesTheFileAndTheKey() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("run.yaml"), "ppo: {prompts: p, policy: x, reward_model: y, ppo_epochs: 2.5}\n");
        Run r = run("ppo", "-c", cfg.toString());
        assertEquals(2, r.exit());
        assertEquals(List.of("rlhf4j ppo: " + cfg + ": ppo.ppo_epochs must be an integer, but is: 2.5"), r.errLines());
    }

    @Test
    void everyConfigErrorOfAPipelineGetsItsOwnLine() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("run.yaml"), "seed: abc\nsft: {model: m, data: d, training: {batch_size: 8.5}}\n");
        Run r = run("pipeline", "-c", cfg.toString());
        assertEquals(2, r.exit());
        assertEquals(List.of("rlhf4j pipeline: " + cfg + ": seed must be an integer, but is: abc",
                "rlhf4j pipeline: " + cfg + ": sft.training.batch_size must be an integer, but is: 8.5"), r.errLines());
    }

    @Test
    void aMissingModelIsAFailedRun() {
        Path model = tmp.resolve("no-model");
        Run generate = run("generate", "--model", model.toString(), "--prompt", "The miller");
        assertEquals(1, generate.exit());
        assertEquals(List.of("rlhf4j generate: " + model + ": no such model directory"), generate.errLines());
        Run inspect = run("model", "inspect", model.toString());
        assertEquals(1, inspect.exit());
        assertEquals(List.of("rlhf4j model inspect: " + model + ": no such model directory"), inspect.errLines());
    }

    @Test
    void missingDataIsAFailedRun() {
        Path data = tmp.resolve("texts.jsonl");
        Run r = run("perplexity", "--model", Fixtures.parityModel("gpt2").toString(), "--data", data.toString());
        assertEquals(1, r.exit());
        assertEquals(List.of("rlhf4j perplexity: " + data + ": file not found"), r.errLines());
    }

    @Test
    void brokenYamlOrJsonIsOneLineWithTheLineAndColumn() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("run.yaml"), "sft:\n  model: m\n   data: [x\n");
        Run yaml = run("sft", "-c", cfg.toString());
        assertEquals(2, yaml.exit());
        assertEquals(List.of("rlhf4j sft: " + cfg + ": not valid YAML: mapping values are not allowed here (line 3,"
                + " column 8)"), yaml.errLines());
        Path unclosed = Files.writeString(tmp.resolve("unclosed.yaml"), "sft: {model: m\n");
        assertEquals(List.of("rlhf4j sft: " + unclosed + ": not valid YAML: while parsing a flow mapping; expected ','"
                + " or '}', but got <stream end> (line 1, column 15)"), run("sft", "-c", unclosed.toString()).errLines());

        Path model = Files.createDirectories(tmp.resolve("model"));
        Files.writeString(model.resolve("config.json"), "{bad");
        Run json = run("model", "inspect", model.toString());
        assertEquals(1, json.exit());
        assertEquals(List.of("rlhf4j model inspect: " + model.resolve("config.json") + ": not valid JSON: Unexpected"
                + " character ('b' (code 98)): was expecting double-quote to start field name (line 1, column 2)"),
                json.errLines());
    }

    @Test
    void usageErrorsAreOneLine() {
        Run missing = run("sft");
        assertEquals(2, missing.exit());
        assertEquals(List.of("rlhf4j sft: Missing required option: '--config=CONFIG.yaml'"), missing.errLines());
        Run unknown = run("pipeline", "-c", "run.yaml", "--forse");
        assertEquals(2, unknown.exit());
        assertEquals(List.of("rlhf4j pipeline: Unknown option: '--forse'; did you mean --force?"), unknown.errLines());
        Run badStage = run("pipeline", "-c", "run.yaml", "--only", "rm");
        assertEquals(2, badStage.exit());
        assertEquals(List.of("rlhf4j pipeline: --only must be one of data, sft, reward_model, dpo, ppo, eval, but is: rm"),
                badStage.errLines());
        Run temperature = run("generate", "--model", "m", "--prompt", "p", "--temperature", "-1");
        assertEquals(2, temperature.exit());
        assertEquals(List.of("rlhf4j generate: temperature must be > 0, but is: -1.0 (use greedy for temperature 0)"),
                temperature.errLines());
        Run tooManySequences = run("generate", "--model", "m", "--prompt", "p", "--num-beams", "2",
                "--num-return-sequences", "3");
        assertEquals(2, tooManySequences.exit());
        assertEquals(List.of("rlhf4j generate: num_return_sequences must be between 1 and num_beams (2), but is: 3"),
                tooManySequences.errLines());
        Run noBeams = run("generate", "--model", "m", "--prompt", "p", "--num-beams", "0");
        assertEquals(2, noBeams.exit());
        assertEquals(List.of("rlhf4j generate: num_beams must be > 0, but is: 0"), noBeams.errLines());
        Run sampledBeams = run("generate", "--model", "m", "--prompt", "p", "--num-beams", "4", "--top-p", "0.9");
        assertEquals(2, sampledBeams.exit());
        assertEquals(List.of("rlhf4j generate: --top-p does not apply to beam search (--num-beams), which does not"
                + " sample; beam sampling is not supported"), sampledBeams.errLines());
        Run penaltyAlone = run("generate", "--model", "m", "--prompt", "p", "--length-penalty", "2");
        assertEquals(2, penaltyAlone.exit());
        assertEquals(List.of("rlhf4j generate: --length-penalty applies to beam search only: add --num-beams"),
                penaltyAlone.errLines());
        Run early = run("generate", "--model", "m", "--prompt", "p", "--num-beams", "2", "--early-stopping", "soon");
        assertEquals(2, early.exit());
        assertEquals(List.of("rlhf4j generate: --early-stopping must be true, false or never, but is: soon"),
                early.errLines());
        Run batch = run("perplexity", "--model", "m", "--data", "d.jsonl", "--batch-size", "0");
        assertEquals(2, batch.exit());
        assertEquals(List.of("rlhf4j perplexity: --batch-size must be >= 1, but is: 0"), batch.errLines());
        Run badValue = run("generate", "--model", "m", "--prompt", "p", "--batch-size", "many");
        assertEquals(2, badValue.exit());
        assertEquals(List.of("rlhf4j generate: Invalid value for option '--batch-size': 'many' is not an int"),
                badValue.errLines());
    }

    /** Throws what it is given, as a command deep in a run would. */
    @Command(name = "throws")
    static final class Throws implements Callable<Integer> {
        private final RuntimeException error;

        Throws(RuntimeException error) {
            this.error = error;
        }

        @Override
        public Integer call() {
            throw error;
        }
    }

    /** Which exceptions are the user's (1, 2) and which a bug (70), and the line each prints. */
    @Test
    void exitCodeAndLineOfEachKindOfError() {
        Path missing = tmp.resolve("prompts.jsonl");
        record Case(RuntimeException error, int exit, String line) {}
        for (Case c : List.of(
                new Case(new ConfigException("run.yaml: ppo.lr must be > 0, but is: 0.0"), 2,
                        "run.yaml: ppo.lr must be > 0, but is: 0.0"),
                new Case(new IllegalArgumentException("d.jsonl:3: field \"prompt\" must be a string, but is: missing"), 1,
                        "d.jsonl:3: field \"prompt\" must be a string, but is: missing"),
                new Case(new UncheckedIOException(new NoSuchFileException(missing.toString())), 1,
                        missing + ": no such file or directory"),
                new Case(new UncheckedIOException(new AccessDeniedException(missing.toString())), 1,
                        missing + ": permission denied"),
                new Case(new TrainingStoppedException("ppo: approx_kl 9.000 exceeded max_approx_kl 1.000 for 3 iterations"
                        + " in a row (iteration 7): the policy ratio exploded; lower lr, raise kl_coef, or reduce ppo_epochs"), 1,
                        "ppo: approx_kl 9.000 exceeded max_approx_kl 1.000 for 3 iterations in a row (iteration 7): the"
                                + " policy ratio exploded; lower lr, raise kl_coef, or reduce ppo_epochs"),
                new Case(new IllegalStateException("NDArray has been closed"), 70,
                        "internal error: java.lang.IllegalStateException: NDArray has been closed (run with --debug for"
                                + " the stack trace)"),
                new Case(new ArithmeticException("/ by zero"), 70,
                        "internal error: java.lang.ArithmeticException: / by zero (run with --debug for the stack trace)"))) {
            CommandLine cl = Rlhf4j.commandLine();
            cl.addSubcommand(new Throws(c.error()));
            Run r = run(cl, "throws");
            assertEquals(c.exit(), r.exit(), c.error().toString());
            assertEquals(List.of("rlhf4j throws: " + c.line()), r.errLines());
        }
    }

    @Test
    void aBugSaysSoInOneLine() {
        CommandLine cl = Rlhf4j.commandLine();
        cl.addSubcommand(new Boom());
        Run r = run(cl, "boom");
        assertEquals(70, r.exit());
        assertEquals(List.of("rlhf4j boom: internal error: java.lang.NullPointerException: no value"
                + " (run with --debug for the stack trace)"), r.errLines());
    }

    @Test
    void outOfMemoryIsAFailedRunWithAHint() {
        CommandLine cl = Rlhf4j.commandLine();
        cl.addSubcommand(new OutOfMemory());
        Run r = run(cl, "oom");
        assertEquals(1, r.exit());
        assertEquals(List.of("rlhf4j oom: out of memory (Java heap space): lower the batch size or the sequence length,"
                + " or give Java more heap (RLHF4J_JAVA_OPTS=-Xmx16g with the rlhf4j launcher)"), r.errLines());
    }

    @Test
    void debugPrintsTheStackTrace() {
        CommandLine cl = Rlhf4j.commandLine();
        cl.addSubcommand(new Boom());
        Run bug = run(cl, "--debug", "boom");
        assertEquals(70, bug.exit());
        assertEquals("rlhf4j boom: internal error: java.lang.NullPointerException: no value", bug.errLines().get(0));
        assertEquals("java.lang.NullPointerException: no value", bug.errLines().get(1));
        assertTrue(bug.errLines().get(2).contains("at dev.rlhf4j.cli.ErrorHandlerTest$Boom.call("), bug.err());

        Path cfg = tmp.resolve("nope.yaml");
        Run user = run("pipeline", "-c", cfg.toString(), "--debug");
        assertEquals(2, user.exit());
        assertEquals("rlhf4j pipeline: " + cfg + ": config file not found", user.errLines().get(0));
        assertTrue(user.err().contains("at dev.rlhf4j.core.config.ConfigFile.load("), user.err());
    }

    @Test
    void helpListsTheExitCodes() {
        Run r = run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("Exit codes:"), r.out());
        for (String code : List.of("0", "1", "2", "70")) {
            assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith(code + " ")), code + "\n" + r.out());
        }
        assertTrue(r.out().contains("--debug"), r.out());
    }
}
