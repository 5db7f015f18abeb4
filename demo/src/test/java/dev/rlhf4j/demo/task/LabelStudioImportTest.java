package dev.rlhf4j.demo.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.ImportSummary;
import dev.rlhf4j.data.PreferenceImport;
import dev.rlhf4j.data.PreferenceRecords;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.demo.task.SimulatedAnnotators.Judgement;
import dev.rlhf4j.demo.task.SimulatedAnnotators.LabelledPair;
import dev.rlhf4j.demo.task.SimulatedAnnotators.Labelling;
import dev.rlhf4j.demo.task.SimulatedAnnotators.Side;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated annotators' export goes through the normal import path, as the demo does. */
class LabelStudioImportTest {

    @Test
    void exportImportsAsLabelStudioWithEveryAnnotatorKept(@TempDir Path dir) throws Exception {
        Labelling labelling = new SimulatedAnnotators(SimulatedAnnotators.Settings.defaults(), GoldReward.standard())
                .label(SimulatedAnnotatorsTest.pairs(400, 21), 22);
        Path export = dir.resolve("annotations.json");
        Path imported = dir.resolve("imported.jsonl");
        labelling.writeLabelStudioExport(export);
        ImportSummary summary = PreferenceImport.run(ImportOptions.builder()
                .addInput(export).setOutput(imported).optRejects(dir.resolve("rejects.jsonl")).build());

        assertEquals("label-studio", summary.files().get(0).format());
        assertTrue(summary.files().get(0).detected());
        assertTrue(summary.balanced());
        assertEquals(400, summary.read());
        // the importer rejects tasks whose annotations were all cancelled and pairs of identical responses
        long allCancelled = labelling.pairs().stream().filter(p -> p.submitted().isEmpty()).count();
        long identical = labelling.pairs().stream()
                .filter(p -> !p.submitted().isEmpty() && p.left().text().equals(p.right().text())).count();
        assertEquals(allCancelled + identical, summary.rejected(), summary.rejectReasons().toString());

        Map<String, LabelledPair> byTask = new HashMap<>();
        labelling.pairs().forEach(p -> byTask.put(Integer.toString(p.taskId()), p));
        List<PreferenceRecord> records = PreferenceRecords.readAll(imported);
        assertEquals(summary.written(), records.size());
        int checkedMajorities = 0;
        for (PreferenceRecord record : records) {
            LabelledPair pair = byTask.get(String.valueOf(record.meta().get("task_id")));
            assertEquals(pair.prompt(), record.prompt().get(0).content());
            Set<String> submitted = pair.submitted().stream()
                    .map(j -> Integer.toString(j.annotator().userId())).collect(Collectors.toSet());
            assertEquals(submitted, Set.copyOf(record.annotators()));
            assertEquals(pair.submitted().size(), record.labels().size());
            long left = pair.submitted().stream().map(Judgement::selected).filter(s -> s == Side.LEFT).count();
            long right = pair.submitted().size() - left;
            if (left != right) {
                Response majority = left > right ? pair.left() : pair.right();
                assertEquals(majority.text(), record.chosen().get(0).content());
                assertFalse(record.tie());
                checkedMajorities++;
            } else {
                assertTrue(record.tie(), "split votes make a tie record");
            }
        }
        assertTrue(checkedMajorities > 250);
    }
}
