package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Label Studio JSON export: a JSON array of tasks {@code {id, data{...}, annotations[{id,
 * completed_by, was_cancelled, result[{from_name, to_name, type, value}]}]}}. One task gives one
 * record per candidate pair, holding every completed annotation as a label (the pair's direction
 * is the majority; see {@link Rankings}). Cancelled annotations ({@code was_cancelled: true}) are
 * skipped; a task with no completed annotation is rejected. {@code predictions} are ignored.
 *
 * <ul>
 *   <li>Pairwise ({@code type: "pairwise"}): {@code value.selected} is {@code "left"} (the first
 *       candidate) or {@code "right"}. Candidates come from the data fields named by
 *       {@code label_studio.candidates} (default {@code answer1,answer2}, as in Label Studio's RLHF
 *       tutorial).
 *   <li>Ranker ({@code type: "ranker"}): candidates are the objects of the data list named by
 *       {@code label_studio.items} (default {@code items}), identified by {@code id}, with text in
 *       the first present of {@code label_studio.item_text} (default {@code body,text,content,html}).
 *       The ranked ids are read in both nestings seen in public descriptions: {@code value.ranker.
 *       {bucket}: [ids]} (Label Studio's documented output) and {@code value.{name}: [ids]} (the
 *       list directly under the ranker or list name). When there are several buckets, the one named
 *       by {@code label_studio.ranker_bucket} is used (default: the one named after
 *       {@code to_name}, else {@code from_name}, else the only one). Items not in the list are
 *       unranked.
 * </ul>
 * The prompt is the data field {@code label_studio.prompt} (default {@code prompt}). The
 * annotator is {@code completed_by} (a user id, or the {@code id} of a user object).
 * {@code group_id} = {@code ls-task-{id}}. Meta: {@code task_id}, {@code cancelled_annotations}.
 */
final class LabelStudioImporter implements PreferenceImporter {

    static final String NAME = "label-studio";

    static boolean detect(JsonNode r) {
        return r.has("data") && r.get("data").isObject() && r.has("annotations") && r.get("annotations").isArray();
    }

    private final String promptField;
    private final List<String> candidateFields;
    private final String itemsField;
    private final List<String> itemTextFields;
    private final String bucket;
    private final boolean keepTies;

    LabelStudioImporter(FormatOptions options) {
        this.promptField = options.string("label_studio.prompt", "prompt");
        this.candidateFields = options.list("label_studio.candidates", "answer1,answer2");
        this.itemsField = options.string("label_studio.items", "items");
        this.itemTextFields = options.list("label_studio.item_text", "body,text,content,html");
        this.bucket = options.string("label_studio.ranker_bucket", null);
        this.keepTies = options.keepTies();
        if (candidateFields.size() < 2) {
            throw new IllegalArgumentException("label_studio.candidates must name at least 2 data fields, but is: "
                    + String.join(",", candidateFields));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode task) {
        Fields.object(task);
        JsonNode data = Fields.obj(task, "data");
        JsonNode annotations = Fields.array(task, "annotations");
        if (annotations.isEmpty()) {
            throw new InvalidRecordException("task has no annotations");
        }
        int cancelled = 0;
        List<JsonNode> completed = new ArrayList<>();
        for (JsonNode a : annotations) {
            if (!a.isObject()) {
                throw new InvalidRecordException("field 'annotations' must hold objects, but holds: " + RecordJson.kind(a));
            }
            if (a.has("was_cancelled") && a.get("was_cancelled").asBoolean(false)) {
                cancelled++;
            } else {
                completed.add(a);
            }
        }
        if (completed.isEmpty()) {
            throw new InvalidRecordException("every annotation was cancelled (" + cancelled + " cancelled)");
        }
        String taskId = Fields.optText(task, "id");
        List<Message> prompt = List.of(Message.user(dataText(data, promptField, "label_studio.prompt")));

        // one pass to find the template kind: pairwise or ranker
        String kind = null;
        for (JsonNode a : completed) {
            for (JsonNode r : results(a)) {
                String type = r.path("type").asText("");
                if (type.equals("pairwise") || type.equals("ranker")) {
                    if (kind != null && !kind.equals(type)) {
                        throw new InvalidRecordException("task mixes pairwise and ranker results");
                    }
                    kind = type;
                }
            }
        }
        if (kind == null) {
            throw new InvalidRecordException("no pairwise or ranker result in any completed annotation");
        }
        List<List<Message>> candidates = new ArrayList<>();
        List<String> candidateIds = new ArrayList<>();
        Map<String, Integer> indexById = new LinkedHashMap<>();
        if (kind.equals("pairwise")) {
            for (String f : candidateFields.subList(0, 2)) {
                candidates.add(List.of(Message.assistant(dataText(data, f, "label_studio.candidates"))));
                candidateIds.add(f);
            }
        } else {
            JsonNode items = data.get(itemsField);
            if (items == null || !items.isArray()) {
                throw new InvalidRecordException("task data has no list '" + itemsField + "' of ranker items (fields: "
                        + fieldNames(data) + "); set label_studio.items");
            }
            for (JsonNode item : items) {
                String id = item.path("id").asText(null);
                if (id == null || !item.isObject()) {
                    throw new InvalidRecordException("ranker item must be an object with an 'id', but is: "
                            + RecordJson.abbreviate(item.toString()));
                }
                String text = null;
                for (String f : itemTextFields) {
                    if (item.has(f) && item.get(f).isTextual()) {
                        text = item.get(f).asText();
                        break;
                    }
                }
                if (text == null) {
                    throw new InvalidRecordException("ranker item '" + id + "' has none of the text fields "
                            + String.join(", ", itemTextFields) + "; set label_studio.item_text");
                }
                if (indexById.put(id, candidates.size()) != null) {
                    throw new InvalidRecordException("ranker item id '" + id + "' appears twice");
                }
                candidates.add(List.of(Message.assistant(text)));
                candidateIds.add(id);
            }
        }
        List<Rankings.Ranking> rankings = new ArrayList<>();
        for (JsonNode a : completed) {
            String annotator = annotator(a);
            for (JsonNode r : results(a)) {
                String type = r.path("type").asText("");
                if (type.equals("pairwise")) {
                    String selected = r.path("value").path("selected").asText("");
                    double[] ranks = switch (selected) {
                        case "left" -> new double[] {0, 1};
                        case "right" -> new double[] {1, 0};
                        default -> throw new InvalidRecordException(
                                "pairwise value.selected must be \"left\" or \"right\", but is: " + r.path("value").path("selected"));
                    };
                    rankings.add(new Rankings.Ranking(annotator, ranks));
                } else if (type.equals("ranker")) {
                    rankings.add(new Rankings.Ranking(annotator, rankerRanks(r, indexById)));
                }
            }
        }
        final int cancelledCount = cancelled;
        final boolean ranker = kind.equals("ranker");
        return Rankings.pairs(() -> PreferenceRecord.builder()
                        .prompt(prompt)
                        .groupId(taskId == null ? null : "ls-task-" + taskId)
                        .plainText()
                        .source(NAME)
                        .meta("task_id", taskId)
                        .meta("cancelled_annotations", cancelledCount > 0 ? cancelledCount : null),
                candidates, ranker ? candidateIds : null, rankings, keepTies);
    }

    private double[] rankerRanks(JsonNode result, Map<String, Integer> indexById) {
        JsonNode value = result.path("value");
        JsonNode lists = value.has("ranker") && value.get("ranker").isObject() ? value.get("ranker") : value;
        JsonNode list = null;
        List<String> names = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = lists.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isArray()) {
                names.add(e.getKey());
            }
        }
        String[] preferred = {bucket, result.path("to_name").asText(null), result.path("from_name").asText(null)};
        for (String p : preferred) {
            if (p != null && lists.has(p) && lists.get(p).isArray()) {
                list = lists.get(p);
                break;
            }
        }
        if (list == null && names.size() == 1) {
            list = lists.get(names.get(0));
        }
        if (list == null) {
            throw new InvalidRecordException(names.isEmpty()
                    ? "ranker result has no list of item ids in 'value'"
                    : "ranker result has several buckets (" + String.join(", ", names) + "); set label_studio.ranker_bucket");
        }
        double[] ranks = new double[indexById.size()];
        java.util.Arrays.fill(ranks, Double.NaN);
        int rank = 0;
        for (JsonNode id : list) {
            Integer idx = indexById.get(id.asText());
            if (idx == null) {
                throw new InvalidRecordException("ranker result names item '" + id.asText() + "', which is not in data." + itemsField);
            }
            ranks[idx] = rank++;
        }
        return ranks;
    }

    private static List<JsonNode> results(JsonNode annotation) {
        JsonNode r = annotation.get("result");
        List<JsonNode> out = new ArrayList<>();
        if (r != null && r.isArray()) {
            r.forEach(out::add);
        }
        return out;
    }

    private static String annotator(JsonNode annotation) {
        JsonNode by = annotation.get("completed_by");
        if (by == null || by.isNull()) {
            return null;
        }
        if (by.isObject()) {
            return by.has("id") ? by.get("id").asText() : null;
        }
        return by.asText();
    }

    private static String dataText(JsonNode data, String field, String option) {
        JsonNode v = data.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidRecordException("task data has no field '" + field + "' (fields: " + fieldNames(data)
                    + "); set " + option);
        }
        if (!v.isTextual()) {
            throw new InvalidRecordException("task data field '" + field + "' must be a string, but is: " + RecordJson.kind(v));
        }
        return v.asText();
    }

    private static String fieldNames(JsonNode data) {
        List<String> names = new ArrayList<>();
        data.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }
}
