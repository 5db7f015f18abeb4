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
 * Argilla v1 FeedbackDataset exported to Hugging Face: one row per record, each field a column,
 * each question a column holding a list of {@code {user_id, value, status}}; a ranking question's
 * {@code value} is a list of {@code {rank, value}} where {@code value} names a candidate. Only
 * responses with {@code status == "submitted"} count (drafts and discarded ones are skipped; a row
 * with none is rejected). {@code user_id} is the annotator. Equal ranks are ties.
 *
 * <p>Options: {@code argilla.prompt} (the prompt field, default {@code prompt}),
 * {@code argilla.question} (the ranking question's column; default: the first column that holds
 * responses with list values), {@code argilla.candidates} (optional {@code option:field,...}
 * mapping from ranking option names to the fields holding their text; by default the option name
 * is the field name). Candidates are ordered as their fields appear in the row. {@code group_id} =
 * {@code external_id} (or {@code id}) when present. Question columns may also hold their list as a
 * JSON string (CSV exports).
 */
final class ArgillaImporter implements PreferenceImporter {

    static final String NAME = "argilla";

    static boolean detect(JsonNode r) {
        return findQuestion(r, null) != null;
    }

    private final String promptField;
    private final String question;
    private final Map<String, String> optionToField = new LinkedHashMap<>();
    private final boolean keepTies;

    ArgillaImporter(FormatOptions options) {
        this.promptField = options.string("argilla.prompt", "prompt");
        this.question = options.string("argilla.question", null);
        for (String pair : options.list("argilla.candidates", "")) {
            int colon = pair.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("argilla.candidates must be option:field pairs, but holds: " + pair);
            }
            optionToField.put(pair.substring(0, colon).trim(), pair.substring(colon + 1).trim());
        }
        this.keepTies = options.keepTies();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The ranking question's column: responses whose value is a list. */
    static String findQuestion(JsonNode r, String named) {
        if (!r.isObject()) {
            return null;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (named != null && !named.equals(e.getKey())) {
                continue;
            }
            JsonNode v = e.getValue();
            if (v.isTextual() && v.asText().startsWith("[")) {
                try {
                    v = RecordJson.MAPPER.readTree(v.asText());
                } catch (Exception ex) {
                    continue;
                }
            }
            if (v.isArray() && !v.isEmpty() && v.get(0).isObject() && v.get(0).has("user_id")
                    && v.get(0).has("status") && v.get(0).has("value") && v.get(0).get("value").isArray()) {
                return e.getKey();
            }
        }
        return null;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode record) {
        Fields.object(record);
        String q = question != null ? question : findQuestion(record, null);
        if (q == null) {
            throw new InvalidRecordException("no ranking question column (a list of {user_id, value, status} with list values); set argilla.question");
        }
        JsonNode responses = Fields.array(record, q);
        String promptText = Fields.text(record, promptField);
        List<String> order = new ArrayList<>();
        record.fieldNames().forEachRemaining(order::add);
        Map<String, Integer> index = new LinkedHashMap<>();
        List<List<Message>> candidates = new ArrayList<>();
        List<String> candidateIds = new ArrayList<>();
        List<Map<String, Double>> rankByUser = new ArrayList<>();
        List<String> users = new ArrayList<>();
        int notSubmitted = 0;
        for (JsonNode resp : responses) {
            if (!resp.isObject()) {
                throw new InvalidRecordException("field '" + q + "' must hold response objects, but holds: " + RecordJson.kind(resp));
            }
            String status = resp.path("status").asText("");
            if (!status.equals("submitted")) {
                notSubmitted++;
                continue;
            }
            JsonNode value = resp.get("value");
            if (value == null || !value.isArray()) {
                throw new InvalidRecordException("field '" + q + "' response value must be a list of {rank, value}, but is: "
                        + RecordJson.kind(value));
            }
            Map<String, Double> ranks = new LinkedHashMap<>();
            for (JsonNode rv : value) {
                String option = rv.path("value").asText(null);
                JsonNode rank = rv.get("rank");
                if (option == null || rank == null || rank.isNull()) {
                    continue; // an option the user left unranked
                }
                ranks.put(option, Fields.numberValue(rank, "field '" + q + "' rank"));
            }
            rankByUser.add(ranks);
            users.add(resp.path("user_id").asText(null));
        }
        if (rankByUser.isEmpty()) {
            throw new InvalidRecordException("no submitted response for question '" + q + "' (" + notSubmitted + " draft or discarded)");
        }
        // candidates: every ranked option, ordered by its field's position in the row
        List<String> options = new ArrayList<>();
        for (Map<String, Double> m : rankByUser) {
            for (String o : m.keySet()) {
                if (!options.contains(o)) {
                    options.add(o);
                }
            }
        }
        options.sort((x, y) -> Integer.compare(position(order, field(x)), position(order, field(y))));
        for (String o : options) {
            String f = field(o);
            JsonNode t = record.get(f);
            if (t == null || !t.isTextual()) {
                throw new InvalidRecordException("ranking option '" + o + "' has no text field '" + f
                        + "' in the record; map it with argilla.candidates=" + o + ":FIELD");
            }
            index.put(o, candidates.size());
            candidates.add(List.of(Message.assistant(t.asText())));
            candidateIds.add(o);
        }
        List<Rankings.Ranking> rankings = new ArrayList<>();
        for (int u = 0; u < rankByUser.size(); u++) {
            Map<Integer, Double> byIndex = new LinkedHashMap<>();
            rankByUser.get(u).forEach((o, r) -> byIndex.put(index.get(o), r));
            rankings.add(new Rankings.Ranking(users.get(u), Rankings.ranks(candidates.size(), byIndex)));
        }
        String group = Fields.optText(record, "external_id");
        if (group == null && record.has("id")) {
            group = Fields.optText(record, "id");
        }
        final String groupId = group;
        return Rankings.pairs(() -> PreferenceRecord.builder()
                        .prompt(List.of(Message.user(promptText)))
                        .groupId(groupId)
                        .source(NAME)
                        .meta("question", q),
                candidates, candidateIds, rankings, keepTies);
    }

    private String field(String option) {
        return optionToField.getOrDefault(option, option);
    }

    private static int position(List<String> order, String field) {
        int i = order.indexOf(field);
        return i < 0 ? Integer.MAX_VALUE : i;
    }
}
