package dev.rlhf4j.data.clean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.ImportSummary;
import dev.rlhf4j.data.PreferenceImport;
import dev.rlhf4j.data.record.RecordIds;
import dev.rlhf4j.data.record.RecordJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Deduplicator#mergeGroup} on each pair's records (collected with {@link
 * PreferenceImport#collect}, grouped by pair, in input order) gives the dedupe import's output
 * bytes and counts: what a distributed groupBy relies on.
 */
class MergeGroupTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private List<Path> inputs() throws IOException {
        List<Path> in = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("src/test/resources/samples"))) {
            s.filter(p -> p.toString().endsWith(".jsonl") || p.toString().endsWith(".gz")).sorted().forEach(in::add);
        }
        in.add(Path.of("src/test/resources/fixtures/label-studio.json"));
        Path hh = Path.of("src/test/resources/samples/hh-rlhf_harmless-base_test.sample.jsonl");
        in.add(hh.toAbsolutePath()); // the same file again: anonymous votes once
        Path copy = tmp.resolve("copy.jsonl"); // other positions: the votes again
        Files.copy(hh, copy);
        in.add(copy);
        // canonical records of the sample, every other one turned round: conflicting pairs
        Path canonical = tmp.resolve("canonical.jsonl");
        PreferenceImport.run(ImportOptions.builder().addInput(hh).setOutput(canonical).build());
        List<String> flipped = new ArrayList<>();
        List<String> lines = Files.readAllLines(canonical);
        for (int i = 0; i < 10; i++) {
            ObjectNode n = (ObjectNode) JSON.readTree(lines.get(i));
            if (i % 2 == 0) {
                var chosen = n.get("chosen");
                n.set("chosen", n.get("rejected"));
                n.set("rejected", chosen);
            }
            flipped.add(JSON.writeValueAsString(n));
        }
        Path f = tmp.resolve("flipped.jsonl");
        Files.write(f, flipped);
        in.add(f);
        return in;
    }

    @ParameterizedTest
    @EnumSource(ConflictRule.class)
    void mergingEachPairInInputOrderGivesTheDedupeImport(ConflictRule rule) throws IOException {
        List<Path> in = inputs();
        Path out = tmp.resolve("one.jsonl");
        ImportSummary one = PreferenceImport.run(ImportOptions.builder().setInputs(in).setOutput(out).optDedupe(true)
                .optConflictRule(rule).build());
        assertTrue(one.duplicates() > 20 && one.conflicts() > 0, one.report());
        Map<RecordIds.PairKey, List<Deduplicator.Item>> pairs = new LinkedHashMap<>();
        Map<RecordIds.PairKey, List<Long>> orders = new LinkedHashMap<>();
        long[] index = {0};
        ImportSummary collected = PreferenceImport.collect(ImportOptions.builder().setInputs(in)
                .setOutput(tmp.resolve("unused.jsonl")).optRejects(tmp.resolve("collect-rejects.txt")).build(),
                (r, origin, position) -> {
                    RecordIds.PairKey key = RecordIds.pairKey(r.prompt(), r.chosen(), r.rejected()).unoriented();
                    pairs.computeIfAbsent(key, k -> new ArrayList<>())
                            .add(new Deduplicator.Item(new String(RecordJson.toJsonBytes(r), StandardCharsets.UTF_8),
                                    origin, position));
                    orders.computeIfAbsent(key, k -> new ArrayList<>()).add(index[0]++);
                });
        assertEquals(one.read(), collected.read());
        TreeMap<Long, String> kept = new TreeMap<>();
        long exact = 0;
        long normalised = 0;
        long conflicts = 0;
        long dropped = 0;
        for (Map.Entry<RecordIds.PairKey, List<Deduplicator.Item>> e : pairs.entrySet()) {
            Deduplicator.GroupResult g = Deduplicator.mergeGroup(e.getValue(), rule);
            if (g.kept() != null) {
                kept.put(orders.get(e.getKey()).get(g.keptAt()), g.kept());
            }
            exact += g.exactDuplicates();
            normalised += g.normalisedDuplicates();
            conflicts += g.conflict() ? 1 : 0;
            dropped += g.dropped().size();
        }
        StringBuilder sb = new StringBuilder();
        kept.values().forEach(line -> sb.append(line).append('\n'));
        assertArrayEquals(Files.readAllBytes(out), sb.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(one.exactDuplicates(), one.normalisedDuplicates(), one.conflicts(), one.rejected()),
                List.of(exact, normalised, conflicts, collected.rejected() + dropped));
        assertEquals(rule == ConflictRule.DROP, dropped > 0);
    }
}
