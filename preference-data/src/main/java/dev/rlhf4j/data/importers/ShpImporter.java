package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stanford SHP: {@code post_id, domain, history, human_ref_A, human_ref_B, labels} (1: A
 * preferred, 0: B), {@code score_A, score_B, score_ratio} (≥ 1), {@code upvote_ratio},
 * {@code seconds_difference}. Prompt = {@code history}; {@code group_id} = {@code post_id};
 * margin = ln(score_ratio). Options: {@code shp.min_score_ratio} (default 1: keep all; the SHP
 * authors suggest 2) and {@code shp.max_pairs_per_post} (default 0: no cap; counted over the
 * whole import in input order). Records left out by these options are written to the rejects
 * file with a reason starting {@code skipped:}. Meta: {@code domain}, {@code upvote_ratio},
 * {@code chosen_score}, {@code rejected_score}, {@code seconds_difference}. No position is
 * recorded: SHP's A/B order was never shown to a rater.
 */
final class ShpImporter implements PreferenceImporter {

    static final String NAME = "shp";

    static boolean detect(JsonNode r) {
        return r.has("post_id") && r.has("human_ref_A") && r.has("human_ref_B");
    }

    private final double minScoreRatio;
    private final long maxPairsPerPost;
    private final Map<String, Integer> pairsPerPost = new HashMap<>();

    ShpImporter(FormatOptions options) {
        this.minScoreRatio = options.number("shp.min_score_ratio", 1.0);
        this.maxPairsPerPost = options.integer("shp.max_pairs_per_post", 0, 0);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode record) {
        Fields.object(record);
        String postId = Fields.id(record, "post_id");
        String history = Fields.text(record, "history");
        String a = Fields.text(record, "human_ref_A");
        String b = Fields.text(record, "human_ref_B");
        long label = Fields.integer(record, "labels");
        if (label != 0 && label != 1) {
            throw new InvalidRecordException("field 'labels' must be 0 or 1, but is: " + label);
        }
        Double ratio = Fields.optNumber(record, "score_ratio");
        if (ratio != null && ratio < 1) {
            throw new InvalidRecordException("field 'score_ratio' must be at least 1, but is: " + ratio);
        }
        if (minScoreRatio > 1 && (ratio == null || ratio < minScoreRatio)) {
            throw new InvalidRecordException("skipped: score_ratio " + ratio + " is below shp.min_score_ratio " + minScoreRatio);
        }
        if (maxPairsPerPost > 0) {
            int n = pairsPerPost.getOrDefault(postId, 0);
            if (n >= maxPairsPerPost) {
                throw new InvalidRecordException("skipped: post " + postId + " already has " + n
                        + " pairs (shp.max_pairs_per_post=" + maxPairsPerPost + ")");
            }
        }
        boolean aWins = label == 1;
        Double scoreA = Fields.optNumber(record, "score_A");
        Double scoreB = Fields.optNumber(record, "score_B");
        PreferenceRecord r = PreferenceRecord.builder()
                .prompt(List.of(Message.user(history)))
                .chosen(List.of(Message.assistant(aWins ? a : b)))
                .rejected(List.of(Message.assistant(aWins ? b : a)))
                .margin(ratio == null ? null : Math.log(ratio))
                .groupId(postId)
                .plainText()
                .source(NAME)
                .meta("domain", Fields.optText(record, "domain"))
                .meta("upvote_ratio", Fields.optNumber(record, "upvote_ratio"))
                .meta("chosen_score", aWins ? scoreA : scoreB)
                .meta("rejected_score", aWins ? scoreB : scoreA)
                .meta("seconds_difference", Fields.optNumber(record, "seconds_difference"))
                .build();
        if (maxPairsPerPost > 0) {
            pairsPerPost.merge(postId, 1, Integer::sum);
        }
        return List.of(r);
    }
}
