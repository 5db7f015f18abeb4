package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordIds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Raw UltraFeedback: {@code instruction}, {@code completions[]{model, response,
 * annotations{instruction_following|honesty|truthfulness|helpfulness: {Rating, Rationale}},
 * overall_score, fine-grained_score}}. {@code Rating} is "1".."5" or "N/A" (a missing rating).
 *
 * <p>Options:
 * <ul>
 *   <li>{@code ultrafeedback.score}: {@code overall} (default, {@code overall_score}),
 *       {@code fine_grained} ({@code fine-grained_score}, else the mean of the four aspect
 *       ratings that are not N/A), or one aspect: {@code helpfulness}, {@code honesty},
 *       {@code instruction_following}, {@code truthfulness}. The aspect key is accepted spelled
 *       {@code instruction_following} or {@code instruction-following} (public copies differ);
 *       an aspect holding a one-element list of {@code {Rating}} is read as that element.
 *   <li>{@code ultrafeedback.pairs}: {@code all} (default: every pair of completions, K(K−1)/2
 *       records sharing a group) or {@code binarized} (the best completion against one other
 *       drawn at random, as in UltraFeedback-binarized; the draw is seeded by {@code seed} and the
 *       instruction, so it does not depend on file order).
 *   <li>global {@code ties}: equal scores make a tie record ({@code keep}) or no pair ({@code skip}).
 * </ul>
 * Completions without a response or without a score are left out (counted in
 * {@code meta.unusable_completions}). margin = score difference. Meta: {@code chosen_model},
 * {@code rejected_model}, {@code chosen_score}, {@code rejected_score}, {@code score} (which score
 * was used), {@code origin} (the dataset's {@code source}).
 */
final class UltraFeedbackImporter implements PreferenceImporter {

    static final String NAME = "ultrafeedback";
    private static final String[] ASPECTS = {"helpfulness", "honesty", "instruction_following", "truthfulness"};

    static boolean detect(JsonNode r) {
        return r.has("instruction") && r.has("completions");
    }

    private final String score;
    private final boolean binarized;
    private final boolean keepTies;
    private final long seed;

    UltraFeedbackImporter(FormatOptions options) {
        this.score = options.choice("ultrafeedback.score", "overall", "overall", "fine_grained",
                "helpfulness", "honesty", "instruction_following", "truthfulness");
        this.binarized = options.choice("ultrafeedback.pairs", "all", "all", "binarized").equals("binarized");
        this.keepTies = options.keepTies();
        this.seed = options.seed();
    }

    @Override
    public String name() {
        return NAME;
    }

    private record Completion(String model, String response, double score) {}

    @Override
    public List<PreferenceRecord> convert(JsonNode record) {
        Fields.object(record);
        String instruction = Fields.text(record, "instruction");
        JsonNode completions = Fields.array(record, "completions");
        List<Completion> usable = new ArrayList<>();
        int unusable = 0;
        int i = 0;
        for (JsonNode c : completions) {
            i++;
            if (!c.isObject()) {
                throw new InvalidRecordException("field 'completions' entry " + i + " must be an object, but is: "
                        + dev.rlhf4j.data.record.RecordJson.kind(c));
            }
            JsonNode response = c.get("response");
            Double s = scoreOf(c, i);
            if (response == null || !response.isTextual() || response.asText().isBlank() || s == null) {
                unusable++;
                continue;
            }
            usable.add(new Completion(Fields.optText(c, "model"), response.asText(), s));
        }
        if (usable.size() < 2) {
            throw new InvalidRecordException("fewer than 2 completions have a response and a score (ultrafeedback.score="
                    + score + "): " + usable.size() + " of " + completions.size());
        }
        List<Message> prompt = List.of(Message.user(instruction));
        String group = "uf-" + String.format("%016x", RecordIds.hash128(prompt)[0]);
        String origin = record.has("source") && record.get("source").isTextual() ? record.get("source").asText() : null;
        List<PreferenceRecord> out = new ArrayList<>();
        int ties = 0;
        if (binarized) {
            int best = 0;
            for (int k = 1; k < usable.size(); k++) {
                if (usable.get(k).score() > usable.get(best).score()) {
                    best = k;
                }
            }
            SplittableRandom rng = new SplittableRandom(seed ^ RecordIds.hash128(prompt)[1]);
            int other = rng.nextInt(usable.size() - 1);
            if (other >= best) {
                other++;
            }
            if (!addPair(out, prompt, group, origin, usable.get(best), usable.get(other), unusable)) {
                ties++;
            }
        } else {
            for (int a = 0; a < usable.size(); a++) {
                for (int b = a + 1; b < usable.size(); b++) {
                    Completion ca = usable.get(a);
                    Completion cb = usable.get(b);
                    boolean added = ca.score() >= cb.score()
                            ? addPair(out, prompt, group, origin, ca, cb, unusable)
                            : addPair(out, prompt, group, origin, cb, ca, unusable);
                    if (!added) {
                        ties++;
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new InvalidRecordException("skipped: every pair has equal scores (" + ties + " tied pairs; ties=skip)");
        }
        return out;
    }

    private boolean addPair(List<PreferenceRecord> out, List<Message> prompt, String group, String origin,
            Completion chosen, Completion rejected, int unusable) {
        boolean tie = chosen.score() == rejected.score();
        if (tie && !keepTies) {
            return false;
        }
        out.add(PreferenceRecord.builder()
                .prompt(prompt)
                .chosen(List.of(Message.assistant(chosen.response())))
                .rejected(List.of(Message.assistant(rejected.response())))
                .tie(tie)
                .margin(chosen.score() - rejected.score())
                .groupId(group)
                .source(NAME)
                .meta("chosen_model", chosen.model())
                .meta("rejected_model", rejected.model())
                .meta("chosen_score", chosen.score())
                .meta("rejected_score", rejected.score())
                .meta("score", score)
                .meta("origin", origin)
                .meta("unusable_completions", unusable > 0 ? unusable : null)
                .build());
        return true;
    }

    private Double scoreOf(JsonNode c, int index) {
        switch (score) {
            case "overall":
                return Fields.optNumber(c, "overall_score");
            case "fine_grained": {
                Double fg = Fields.optNumber(c, "fine-grained_score");
                if (fg != null) {
                    return fg;
                }
                double sum = 0;
                int n = 0;
                for (String aspect : ASPECTS) {
                    Double r = rating(c, aspect, index);
                    if (r != null) {
                        sum += r;
                        n++;
                    }
                }
                return n == 0 ? null : sum / n;
            }
            default:
                return rating(c, score, index);
        }
    }

    /** An aspect's Rating, or null when missing or "N/A". */
    private static Double rating(JsonNode c, String aspect, int index) {
        JsonNode annotations = c.get("annotations");
        if (annotations == null || !annotations.isObject()) {
            return null;
        }
        JsonNode a = annotations.get(aspect);
        if (a == null) {
            a = annotations.get(aspect.replace('_', '-'));
        }
        if (a != null && a.isArray()) {
            a = a.isEmpty() ? null : a.get(0);
        }
        if (a == null || !a.isObject()) {
            return null;
        }
        JsonNode rating = a.get("Rating");
        if (rating == null || rating.isNull()) {
            return null;
        }
        String text = rating.asText().trim();
        if (text.equalsIgnoreCase("N/A") || text.isEmpty()) {
            return null;
        }
        try {
            double v = Double.parseDouble(text);
            if (Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidRecordException("completion " + index + " " + aspect + " Rating must be 1-5 or N/A, but is: "
                + dev.rlhf4j.data.record.RecordJson.abbreviate(text));
    }
}
