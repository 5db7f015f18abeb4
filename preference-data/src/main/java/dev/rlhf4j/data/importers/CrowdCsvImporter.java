package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.Preference;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Crowd CSV (MTurk batch results and similar): columns {@code HITId, AssignmentId, WorkerId,
 * AssignmentStatus, Input.<field>, Answer.<field>}. Each assignment is one record with the worker
 * as annotator; deduplication later merges the assignments of one HIT (same pair) into one record
 * with all labels. Assignments whose status is {@code Rejected} are skipped (written to the
 * rejects file with a reason starting {@code skipped:}).
 *
 * <p>The column mapping (options):
 * <ul>
 *   <li>{@code crowd.prompt} (default {@code Input.prompt}), {@code crowd.candidates} (default
 *       {@code Input.response_a,Input.response_b}: two or more columns, in display order),
 *       {@code crowd.answer} (default {@code Answer.choice});
 *   <li>{@code crowd.answer_values}: the answer naming each candidate, in the same order (default
 *       {@code a,b,c,...}); a candidate's 1-based number or its column name (with or without the
 *       {@code Input.} prefix) is also accepted, case-insensitively;
 *   <li>{@code crowd.tie_values} (default {@code tie,equal,same,both}) — a tie answer;
 *   <li>{@code crowd.worker} ({@code WorkerId}), {@code crowd.status} ({@code AssignmentStatus}),
 *       {@code crowd.group} ({@code HITId}, the {@code group_id}).
 * </ul>
 * With K &gt; 2 candidates the answer names the best one: K−1 records (best against each other).
 * Meta: {@code hit_id}, {@code assignment_id}, {@code chosen_position} (display order).
 */
final class CrowdCsvImporter implements PreferenceImporter {

    static final String NAME = "crowd-csv";

    static boolean detect(JsonNode r) {
        return r.has("HITId") && r.has("AssignmentId") && r.has("WorkerId");
    }

    private final String promptColumn;
    private final List<String> candidateColumns;
    private final String answerColumn;
    private final List<String> answerValues;
    private final List<String> tieValues;
    private final String workerColumn;
    private final String statusColumn;
    private final String groupColumn;
    private final boolean keepTies;

    CrowdCsvImporter(FormatOptions options) {
        this.promptColumn = options.string("crowd.prompt", "Input.prompt");
        this.candidateColumns = options.list("crowd.candidates", "Input.response_a,Input.response_b");
        this.answerColumn = options.string("crowd.answer", "Answer.choice");
        if (candidateColumns.size() < 2) {
            throw new IllegalArgumentException("crowd.candidates must name at least 2 columns, but is: "
                    + String.join(",", candidateColumns));
        }
        List<String> defaults = new ArrayList<>();
        for (int i = 0; i < candidateColumns.size(); i++) {
            defaults.add(String.valueOf((char) ('a' + i)));
        }
        this.answerValues = options.list("crowd.answer_values", String.join(",", defaults));
        if (answerValues.size() != candidateColumns.size()) {
            throw new IllegalArgumentException("crowd.answer_values must have one value per candidate ("
                    + candidateColumns.size() + "), but is: " + String.join(",", answerValues));
        }
        this.tieValues = options.list("crowd.tie_values", "tie,equal,same,both");
        this.workerColumn = options.string("crowd.worker", "WorkerId");
        this.statusColumn = options.string("crowd.status", "AssignmentStatus");
        this.groupColumn = options.string("crowd.group", "HITId");
        this.keepTies = options.keepTies();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode row) {
        Fields.object(row);
        String status = Fields.optText(row, statusColumn);
        if (status != null && status.trim().equalsIgnoreCase("Rejected")) {
            throw new InvalidRecordException("skipped: assignment rejected by the requester (" + statusColumn + " is Rejected)");
        }
        String prompt = column(row, promptColumn, "crowd.prompt");
        List<List<Message>> candidates = new ArrayList<>();
        for (String c : candidateColumns) {
            candidates.add(List.of(Message.assistant(column(row, c, "crowd.candidates"))));
        }
        String answer = column(row, answerColumn, "crowd.answer").trim();
        int winner = -1;
        for (int i = 0; i < candidateColumns.size(); i++) {
            String col = candidateColumns.get(i);
            String shortName = col.startsWith("Input.") ? col.substring(6) : col;
            if (answer.equalsIgnoreCase(answerValues.get(i)) || answer.equals(String.valueOf(i + 1))
                    || answer.equalsIgnoreCase(col) || answer.equalsIgnoreCase(shortName)) {
                winner = i;
                break;
            }
        }
        boolean tie = winner < 0 && tieValues.stream().anyMatch(t -> t.equalsIgnoreCase(answer));
        if (winner < 0 && !tie) {
            List<String> allowed = new ArrayList<>(answerValues);
            allowed.addAll(tieValues);
            throw new InvalidRecordException("field '" + answerColumn + "' must be one of "
                    + String.join(", ", allowed).toLowerCase(Locale.ROOT) + ", but is: " + answer);
        }
        if (tie && !keepTies) {
            throw new InvalidRecordException("skipped: the answer is a tie (" + answer + "; ties=skip)");
        }
        String worker = Fields.optText(row, workerColumn);
        List<PreferenceRecord> out = new ArrayList<>();
        int best = tie ? 0 : winner;
        for (int other = 0; other < candidates.size(); other++) {
            if (other == best || (tie && other < best)) {
                continue;
            }
            out.add(PreferenceRecord.builder()
                    .prompt(List.of(Message.user(prompt)))
                    .chosen(candidates.get(best))
                    .rejected(candidates.get(other))
                    .tie(tie)
                    .groupId(Fields.optText(row, groupColumn))
                    .plainText()
                    .source(NAME)
                    .label(Label.of(worker, tie ? Preference.TIE : Preference.CHOSEN))
                    .chosenPosition(best < other ? 0 : 1)
                    .meta("hit_id", Fields.optText(row, "HITId"))
                    .meta("assignment_id", Fields.optText(row, "AssignmentId"))
                    .build());
            if (tie) {
                break; // a tie answer among K > 2 says nothing beyond the first pair
            }
        }
        return out;
    }

    private static String column(JsonNode row, String column, String option) {
        JsonNode v = row.get(column);
        if (v == null || v.isNull()) {
            List<String> names = new ArrayList<>();
            row.fieldNames().forEachRemaining(names::add);
            throw new InvalidRecordException("missing column '" + column + "' (columns: " + String.join(", ", names)
                    + "); set " + option);
        }
        return v.asText();
    }
}
