package dev.rlhf4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.cli.Rlhf4j;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.ppo.BestOfN;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * The Spark best-of-n against {@code rlhf4j best-of-n} run in the same test, on the tiny parity
 * policies and reward models: the same samples, ranks and records in the same order, scores within
 * 1e-6, also when a prompt's samples are drawn by two tasks and when a task fails halfway and is
 * run again.
 */
class BestOfNJobTest {

    private static final int N = 5;
    private static final int BATCH = 3; // 3 prompts x 5 = 15 rows, 5 batches: prompts straddle batches and tasks
    private static final int MAX_NEW_TOKENS = 6;
    private static final long SEED = 11;

    private static JavaSparkContext sc;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        sc = LocalSpark.start("BestOfNJobTest");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    private Path prompts(String kind) throws IOException {
        Path file = tmp.resolve("prompts-" + kind + ".jsonl");
        Files.write(file, kind.equals("text")
                ? List.of("{\"prompt\": \"Who is the baker?\"}", "", "{\"prompt\": \"The river\"}",
                        "{\"prompt\": \"A small shop sells\"}")
                : List.of("{\"messages\": [{\"role\": \"user\", \"content\": \"Who is the baker?\"}]}",
                        "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                                + " {\"role\": \"user\", \"content\": \"What is sold?\"}]}",
                        "{\"messages\": [{\"role\": \"user\", \"content\": \"The river\"}]}"));
        return file;
    }

    /** The single-machine command's best and all-samples files. */
    private List<List<String>> command(String policy, String rewardModel, Path prompts) throws IOException {
        Path best = tmp.resolve("one-best.jsonl");
        Path all = tmp.resolve("one-all.jsonl");
        StringWriter err = new StringWriter();
        CommandLine cl = Rlhf4j.commandLine();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("best-of-n", "--model", Fixtures.parityModel(policy).toString(), "--reward-model",
                Fixtures.parityModel(rewardModel).toString(), "--prompts", prompts.toString(), "--output",
                best.toString(), "--all", all.toString(), "--n", Integer.toString(N), "--batch-size",
                Integer.toString(BATCH), "--max-new-tokens", Integer.toString(MAX_NEW_TOKENS), "--seed",
                Long.toString(SEED));
        assertEquals(0, exit, err.toString());
        return List.of(Files.readAllLines(best), Files.readAllLines(all));
    }

    private BestOfNJob.Summary spark(String policy, String rewardModel, Path prompts, String name) {
        SamplingConfig sampling = new SamplingConfig(MAX_NEW_TOKENS, 1.0f, 0, 1f, false, List.of(), SEED);
        return BestOfNJob.run(sc, new BestOfNSettings(Fixtures.parityModel(policy).toString(),
                Fixtures.parityModel(rewardModel).toString(), prompts.toString(), tmp.resolve(name + "-best").toString(),
                tmp.resolve(name + "-all").toString(), N, sampling, BATCH, BestOfN.MissingEos.RANK_LAST, 3, 1));
    }

    private List<String> parts(String dir) throws IOException {
        return new String(LocalSpark.concatenatedParts(tmp.resolve(dir)), StandardCharsets.UTF_8).lines().toList();
    }

    @ParameterizedTest
    @CsvSource({"gpt2, gpt2-rm, text", "llama, llama-rm, messages"})
    void samplesEqualBestOfN(String policy, String rewardModel, String kind) throws IOException {
        Path prompts = prompts(kind);
        List<List<String>> one = command(policy, rewardModel, prompts);
        BestOfNJob.Summary s = spark(policy, rewardModel, prompts, "spark");
        assertEquals(3, s.counts().prompts());
        assertEquals(3 * N, s.counts().samples());
        assertEquals(3, one.get(0).size());
        assertEquals(3 * N, one.get(1).size());
        SameRecords.assertSameRecords(one.get(0), parts("spark-best"), "score");
        SameRecords.assertSameRecords(one.get(1), parts("spark-all"), "score");
    }

    /** A sampling task fails after handing over half its draws: the retry's draws replace them, none twice. */
    @Test
    void aFailedTaskIsRunAgainWithoutLosingOrRepeatingDraws() throws IOException {
        Path prompts = prompts("text");
        List<List<String>> one = command("gpt2", "gpt2-rm", prompts);
        Path marker = tmp.resolve("failed-once");
        BestOfNJob.fault = new TaskFault(marker.toString(), 1);
        try {
            BestOfNJob.Summary s = spark("gpt2", "gpt2-rm", prompts, "retried");
            assertTrue(Files.exists(marker), "the task failed once");
            assertEquals(3 * N, s.counts().samples());
        } finally {
            BestOfNJob.fault = null;
        }
        SameRecords.assertSameRecords(one.get(0), parts("retried-best"), "score");
        SameRecords.assertSameRecords(one.get(1), parts("retried-all"), "score");
    }
}
