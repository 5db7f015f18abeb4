package dev.rlhf4j.demo.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Writes labelled pairs as a Label Studio JSON export of a pairwise comparison project, field for
 * field as in the export of Label Studio's own RLHF tutorial (HumanSignal/RLHF,
 * {@code tutorials/ls_output_data.json}): tasks with {@code data{prompt, answer1, answer2}},
 * {@code annotations[]} whose {@code result} holds one {@code pairwise} region
 * {@code {"value": {"selected": "left"}, "from_name": "comparison", "to_name": "comparison", ...}},
 * and the task counters {@code total_annotations} (annotations not cancelled) and
 * {@code cancelled_annotations}. A cancelled (skipped) annotation has {@code was_cancelled: true}
 * and an empty {@code result}, as Label Studio stores a skip.
 *
 * <p>The labelling interface this export corresponds to:
 * <pre>{@code
 * <View>
 *   <Text name="prompt" value="$prompt"/>
 *   <Text name="answer1" value="$answer1"/>
 *   <Text name="answer2" value="$answer2"/>
 *   <Pairwise name="comparison" toName="answer1,answer2"/>
 * </View>
 * }</pre>
 *
 * <p>Identifiers and timestamps are functions of the labelled pairs alone, so the same labelling
 * always gives the same bytes.
 */
final class LabelStudioExport {

    static final String FROM_NAME = "comparison";
    static final int PROJECT_ID = 1;
    static final String FILE_UPLOAD = "rlhf4j-demo-pairs.json";

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final String ID_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

    private LabelStudioExport() {}

    static ArrayNode tasks(List<SimulatedAnnotators.LabelledPair> pairs) {
        ArrayNode tasks = JsonFiles.MAPPER.createArrayNode();
        // all tasks were imported one minute before labelling started, a few microseconds apart
        Instant imported = SimulatedAnnotators.START.minus(Duration.ofMinutes(1));
        for (SimulatedAnnotators.LabelledPair pair : pairs) {
            Instant createdAt = imported.plus(Duration.ofNanos(57_000L * pair.taskId()));
            ObjectNode task = tasks.addObject();
            task.put("id", pair.taskId());
            ArrayNode annotations = task.putArray("annotations");
            Instant updatedAt = createdAt;
            Integer updatedBy = null;
            int total = 0;
            int cancelled = 0;
            for (SimulatedAnnotators.Judgement judgement : pair.judgements()) {
                annotations.add(annotation(pair.taskId(), judgement));
                updatedAt = judgement.createdAt().plus(Duration.ofNanos(36_000));
                updatedBy = judgement.annotator().userId();
                if (judgement.cancelled()) {
                    cancelled++;
                } else {
                    total++;
                }
            }
            task.put("file_upload", FILE_UPLOAD);
            task.putArray("drafts");
            task.putArray("predictions");
            ObjectNode data = task.putObject("data");
            data.put("prompt", pair.prompt());
            data.put("answer1", pair.left().text());
            data.put("answer2", pair.right().text());
            task.putObject("meta");
            task.put("created_at", TIMESTAMP.format(createdAt));
            task.put("updated_at", TIMESTAMP.format(updatedAt));
            task.put("inner_id", pair.taskId());
            task.put("total_annotations", total);
            task.put("cancelled_annotations", cancelled);
            task.put("total_predictions", 0);
            task.put("comment_count", 0);
            task.put("unresolved_comment_count", 0);
            task.putNull("last_comment_updated_at");
            task.put("project", PROJECT_ID);
            if (updatedBy == null) {
                task.putNull("updated_by");
            } else {
                task.put("updated_by", updatedBy);
            }
            task.putArray("comment_authors");
        }
        return tasks;
    }

    private static ObjectNode annotation(int taskId, SimulatedAnnotators.Judgement judgement) {
        ObjectNode annotation = JsonFiles.MAPPER.createObjectNode();
        int userId = judgement.annotator().userId();
        annotation.put("id", judgement.annotationId());
        annotation.put("completed_by", userId);
        ArrayNode result = annotation.putArray("result");
        if (!judgement.cancelled()) {
            ObjectNode region = result.addObject();
            region.putObject("value").put("selected", judgement.selected().value());
            region.put("id", regionId(judgement.annotationId()));
            region.put("from_name", FROM_NAME);
            region.put("to_name", FROM_NAME);
            region.put("type", "pairwise");
            region.put("origin", "manual");
        }
        annotation.put("was_cancelled", judgement.cancelled());
        annotation.put("ground_truth", false);
        annotation.put("created_at", TIMESTAMP.format(judgement.createdAt()));
        annotation.put("updated_at", TIMESTAMP.format(judgement.createdAt().plus(Duration.ofNanos(31_000))));
        annotation.put("lead_time", judgement.leadTimeSeconds());
        annotation.putObject("prediction");
        annotation.put("result_count", 0);
        annotation.put("unique_id", UUID.nameUUIDFromBytes(
                ("rlhf4j-demo-annotation-" + judgement.annotationId()).getBytes(StandardCharsets.UTF_8)).toString());
        annotation.putNull("last_action");
        annotation.put("task", taskId);
        annotation.put("project", PROJECT_ID);
        annotation.put("updated_by", userId);
        annotation.putNull("parent_prediction");
        annotation.putNull("parent_annotation");
        annotation.putNull("last_created_by");
        return annotation;
    }

    /** A ten-character region id like Label Studio's ({@code "Sba4F4tuVh"}), fixed by the annotation id. */
    private static String regionId(int annotationId) {
        Random random = new Random(annotationId * 0x9E3779B97F4A7C15L);
        StringBuilder id = new StringBuilder(10);
        for (int i = 0; i < 10; i++) {
            id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
        }
        return id.toString();
    }
}
