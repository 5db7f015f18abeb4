package dev.rlhf4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.ImportSummary;
import dev.rlhf4j.data.PreferenceImport;
import dev.rlhf4j.data.clean.ConflictRule;
import dev.rlhf4j.data.split.GroupSplitter;
import dev.rlhf4j.data.split.SplitOptions;
import dev.rlhf4j.data.split.SplitSummary;
import dev.rlhf4j.demo.task.DemoTask;
import dev.rlhf4j.demo.task.DemoTaskConfig;
import dev.rlhf4j.demo.task.Response;
import dev.rlhf4j.demo.task.ResponsePair;
import dev.rlhf4j.demo.task.ReviewGrammar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark import against the single-machine import run in the same test on the same files: the
 * shared preference samples, the importers' fixtures (a Label Studio JSON array with several
 * annotators per task among them), one sample given twice under two names (anonymous votes counted
 * once per source position) and a file of flipped records (conflicting pairs). Output bytes,
 * rejects and every count must be equal.
 */
class ImportJobTest {

    private static final Path SAMPLES = Path.of("../preference-data/src/test/resources/samples");
    private static final Path FIXTURES = Path.of("../preference-data/src/test/resources/fixtures");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JavaSparkContext sc;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        sc = LocalSpark.start("ImportJobTest");
    }

    @AfterAll
    static void stop() {
        ImportJob.fault = null;
        sc.close();
    }

    /** The inputs, in order, as strings (the names both imports report). */
    private List<String> inputs() throws IOException {
        List<String> in = new ArrayList<>();
        try (Stream<Path> s = Files.list(SAMPLES)) {
            s.filter(p -> p.toString().endsWith(".jsonl") || p.toString().endsWith(".gz")).sorted()
                    .forEach(p -> in.add(p.toString()));
        }
        for (String f : List.of("label-studio.json", "hh-rlhf.jsonl", "trl.jsonl", "ultrafeedback.jsonl", "shp.jsonl",
                "helpsteer2.jsonl", "arena-conversations.jsonl", "argilla.jsonl", "summarize-from-feedback.jsonl")) {
            in.add(FIXTURES.resolve(f).toString());
        }
        // the same file under another name: its anonymous records must vote once, as on one machine
        Path hh = SAMPLES.resolve("hh-rlhf_harmless-base_test.sample.jsonl");
        in.add(hh.toAbsolutePath().normalize().toString());
        // a copy: the same records at other positions, so they vote again
        Path copy = tmp.resolve("hh-copy.jsonl");
        Files.copy(hh, copy);
        in.add(copy.toString());
        in.add(flipped().toString());
        return in;
    }

    /** Canonical records, every other one turned round and one with a bad field: conflicts and a reject. */
    private Path flipped() throws IOException {
        Path canonical = tmp.resolve("canonical.jsonl");
        PreferenceImport.run(ImportOptions.builder().addInput(SAMPLES.resolve("hh-rlhf_harmless-base_test.sample.jsonl"))
                .setOutput(canonical).build());
        List<String> lines = Files.readAllLines(canonical);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ObjectNode n = (ObjectNode) JSON.readTree(lines.get(i));
            if (i % 2 == 0) {
                var chosen = n.get("chosen");
                n.set("chosen", n.get("rejected"));
                n.set("rejected", chosen);
            }
            n.put("source", "flipped");
            out.add(JSON.writeValueAsString(n));
        }
        out.add("{\"prompt\": \"x\", \"chosen\": 3, \"rejected\": \"y\"}");
        Path f = tmp.resolve("flipped.jsonl");
        Files.write(f, out);
        return f;
    }

    private ImportSummary singleMachine(List<String> inputs, boolean dedupe, ConflictRule rule) {
        return PreferenceImport.run(ImportOptions.builder().setInputs(inputs.stream().map(Path::of).toList())
                .setOutput(tmp.resolve("one/out.jsonl")).optDedupe(dedupe).optConflictRule(rule).build());
    }

    private ImportSummary spark(List<String> inputs, boolean dedupe, ConflictRule rule, String name) {
        return ImportJob.run(sc, new ImportSettings(inputs, tmp.resolve(name).toString(), null, null, false, dedupe,
                rule, Map.of(), null, 0, 0, 3));
    }

    private void assertSame(ImportSummary one, ImportSummary spark, String name) throws IOException {
        assertTrue(one.read() > 150 && one.rejected() > 0, one.report());
        assertSameImport(one, spark, name);
    }

    private void assertSameImport(ImportSummary one, ImportSummary spark, String name) throws IOException {
        assertTrue(one.balanced() && spark.balanced(), spark.report());
        assertArrayEquals(Files.readAllBytes(tmp.resolve("one/out.jsonl")), LocalSpark.concatenatedParts(tmp.resolve(name)),
                "output records, ids and order");
        Path rejects = tmp.resolve("one/out.jsonl.rejects.txt");
        Path sparkRejects = tmp.resolve(name + ".rejects.txt");
        assertEquals(Files.exists(rejects), Files.exists(sparkRejects), "a rejects file on one side only");
        if (Files.exists(rejects)) {
            assertEquals(Files.readString(rejects), Files.readString(sparkRejects), "rejects");
        }
        assertEquals(List.of(one.read(), one.inputRecords(), one.written(), one.rejected(), one.exactDuplicates(),
                one.normalisedDuplicates(), one.conflicts(), one.bytes()), List.of(spark.read(), spark.inputRecords(),
                spark.written(), spark.rejected(), spark.exactDuplicates(), spark.normalisedDuplicates(),
                spark.conflicts(), spark.bytes()), spark.report());
        assertEquals(one.conflictExamples(), spark.conflictExamples());
        assertEquals(one.files(), spark.files());
        assertEquals(one.rejectReasons(), spark.rejectReasons());
    }

    @Test
    void dedupeByMajorityAndSplitEqualTheSingleMachineImportAndSplit() throws IOException {
        List<String> in = inputs();
        ImportSummary one = singleMachine(in, true, ConflictRule.MAJORITY);
        assertTrue(one.duplicates() > 30 && one.conflicts() > 0, one.report());
        SplitOptions split = new SplitOptions(0.2, 0.1, 7, false);
        SplitSummary oneSplit = GroupSplitter.run(tmp.resolve("one/out.jsonl"), tmp.resolve("one-split"), split);
        ImportJob.Result spark = ImportJob.run(sc, new ImportSettings(in, tmp.resolve("spark").toString(), null, null,
                false, true, ConflictRule.MAJORITY, Map.of(), null, 0, 0, 3), split, tmp.resolve("spark-split"));
        assertSame(one, spark.summary(), "spark");
        String merged = Files.readString(tmp.resolve("one/out.jsonl"));
        assertTrue(merged.contains("\"votes\":{\"chosen\":2"), "the copy's votes are merged");
        for (String name : List.of(GroupSplitter.TRAIN, GroupSplitter.VALID, GroupSplitter.TEST)) {
            byte[] expected = Files.readAllBytes(tmp.resolve("one-split").resolve(name + ".jsonl"));
            assertTrue(expected.length > 0, name);
            assertArrayEquals(expected, LocalSpark.concatenatedParts(tmp.resolve("spark-split").resolve(name)), name);
        }
        assertEquals(oneSplit.records(), spark.split().records());
        assertEquals(oneSplit.groups(), spark.split().groups());
    }

    /**
     * The demo's own annotation data: Label Studio exports in which each response pair is judged
     * by several simulated annotators (repeated comparisons, some cancelled, sides shuffled).
     */
    @Test
    void theDemosAnnotationExportEqualsTheSingleMachineImport() throws IOException {
        ReviewGrammar grammar = DemoTask.grammar();
        Random random = new Random(3);
        ReviewGrammar.Topic[] topics = ReviewGrammar.Topic.values();
        List<ResponsePair> pairs = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            ReviewGrammar.Topic topic = topics[i % topics.length];
            String prompt = String.join(" ", grammar.prompt(topic, random));
            pairs.add(new ResponsePair(prompt, review(grammar, topic, random), review(grammar, topic, random)));
        }
        // two annotation rounds over the same pairs, as two exports: the second round's records vote again
        List<String> in = new ArrayList<>();
        for (long round : new long[] {11, 12}) {
            Path export = tmp.resolve("annotations-" + round + ".json");
            DemoTask.annotators(DemoTaskConfig.quick()).label(pairs, round).writeLabelStudioExport(export);
            in.add(export.toString());
        }
        ImportSummary one = singleMachine(in, true, ConflictRule.MAJORITY);
        assertTrue(one.read() == 160 && one.duplicates() >= 70 && one.conflicts() > 0, one.report());
        assertSameImport(one, spark(in, true, ConflictRule.MAJORITY, "demo"), "demo");
    }

    private static Response review(ReviewGrammar grammar, ReviewGrammar.Topic topic, Random random) {
        return new Response(String.join(" ", grammar.review(topic, 2 * random.nextDouble() - 1, 24, random)), true);
    }

    @Test
    void dropConflictsAndNoDedupeEqualTheSingleMachineImport() throws IOException {
        List<String> in = inputs();
        ImportSummary one = singleMachine(in, true, ConflictRule.DROP);
        assertTrue(one.rejectReasons().containsKey("conflicting duplicate"), one.report());
        assertSame(one, spark(in, true, ConflictRule.DROP, "drop"), "drop");
        ImportSummary plain = singleMachine(in, false, ConflictRule.MAJORITY);
        assertSame(plain, spark(in, false, ConflictRule.MAJORITY, "plain"), "plain");
    }

    /**
     * A read task fails after handing over half its rows and is run again: its first attempt's
     * rows must neither reach the output nor the counts.
     */
    @Test
    void aRetriedTaskIsCountedOnce() throws IOException {
        List<String> in = inputs();
        ImportSummary one = singleMachine(in, true, ConflictRule.MAJORITY);
        Path marker = tmp.resolve("failed-once");
        int hh = in.indexOf(SAMPLES.resolve("hh-rlhf_harmless-base_test.sample.jsonl").toString());
        assertTrue(hh >= 0);
        ImportJob.fault = new TaskFault(marker.toString(), hh);
        try {
            assertFalse(Files.exists(marker));
            ImportSummary spark = spark(in, true, ConflictRule.MAJORITY, "retried");
            assertTrue(Files.exists(marker), "the task failed once");
            assertSame(one, spark, "retried");
        } finally {
            ImportJob.fault = null;
        }
        assertEquals(one.written(), new String(LocalSpark.concatenatedParts(tmp.resolve("retried")),
                StandardCharsets.UTF_8).lines().count());
    }
}
