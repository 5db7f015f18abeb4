package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/** The known formats, their options, and auto-detection. */
public final class Formats {

    /**
     * One format: its name for {@code --format}, a one-line description, its option keys with a
     * short help text each.
     */
    public record Format(String name, String description, Map<String, String> options,
            Predicate<JsonNode> detector, Function<FormatOptions, PreferenceImporter> factory) {}

    /** In detection order: the most specific layouts first. */
    private static final List<Format> ALL = List.of(
            new Format(CanonicalImporter.NAME, "rlhf4j canonical JSON Lines (merge an existing dataset with new exports)",
                    Map.of(), CanonicalImporter::detect, o -> new CanonicalImporter()),
            new Format(LabelStudioImporter.NAME, "Label Studio JSON export: pairwise (left/right) or ranker tasks; cancelled annotations skipped",
                    ordered("label_studio.prompt", "data field with the prompt (default prompt)",
                            "label_studio.candidates", "pairwise: data fields of the two candidates (default answer1,answer2)",
                            "label_studio.items", "ranker: data list of {id, text} items (default items)",
                            "label_studio.item_text", "ranker: item text fields to try (default body,text,content,html)",
                            "label_studio.ranker_bucket", "ranker: bucket to read when there are several"),
                    LabelStudioImporter::detect, LabelStudioImporter::new),
            new Format(SummarizeFeedbackImporter.NAME, "OpenAI summarize-from-feedback comparisons (Reddit TL;DR and CNN/DM)",
                    Map.of(), SummarizeFeedbackImporter::detect, o -> new SummarizeFeedbackImporter()),
            new Format(ShpImporter.NAME, "Stanford SHP (Reddit upvote preferences)",
                    ordered("shp.min_score_ratio", "keep pairs with score_ratio at least this (default 1: all)",
                            "shp.max_pairs_per_post", "at most this many pairs per post_id (default 0: no cap)"),
                    ShpImporter::detect, ShpImporter::new),
            new Format(UltraFeedbackImporter.NAME, "raw UltraFeedback (instruction + 4 rated completions): all pairs or the binarized recipe",
                    ordered("ultrafeedback.score", "overall | fine_grained | helpfulness | honesty | instruction_following | truthfulness (default overall)",
                            "ultrafeedback.pairs", "all | binarized (default all)"),
                    UltraFeedbackImporter::detect, UltraFeedbackImporter::new),
            new Format(HelpSteer2Importer.NAME, "HelpSteer2 preference (response_1/response_2, strength -3..3, <extra_id_1> turns)",
                    Map.of(), HelpSteer2Importer::detect, HelpSteer2Importer::new),
            new Format(ArenaCsvImporter.NAME, "Chatbot Arena 55k CSV/Parquet (JSON-encoded turns, winner_model_a/b/tie)",
                    Map.of(), ArenaCsvImporter::detect, ArenaCsvImporter::new),
            new Format(ArenaConversationsImporter.NAME, "Chatbot Arena conversations (conversation_a/b, winner, judge)",
                    Map.of(), ArenaConversationsImporter::detect, ArenaConversationsImporter::new),
            new Format(CrowdCsvImporter.NAME, "crowd CSV (MTurk batch results) with a column mapping; rejected assignments skipped",
                    ordered("crowd.prompt", "prompt column (default Input.prompt)",
                            "crowd.candidates", "candidate columns in display order (default Input.response_a,Input.response_b)",
                            "crowd.answer", "answer column (default Answer.choice)",
                            "crowd.answer_values", "answer naming each candidate (default a,b,...)",
                            "crowd.tie_values", "answers meaning a tie (default tie,equal,same,both)",
                            "crowd.worker", "worker column (default WorkerId)",
                            "crowd.status", "assignment status column (default AssignmentStatus)",
                            "crowd.group", "group column (default HITId)"),
                    CrowdCsvImporter::detect, CrowdCsvImporter::new),
            new Format(ArgillaImporter.NAME, "Argilla v1 FeedbackDataset ranking export (submitted responses only; equal ranks are ties)",
                    ordered("argilla.prompt", "prompt field (default prompt)",
                            "argilla.question", "ranking question column (default: detected)",
                            "argilla.candidates", "option:field,... when option names are not field names"),
                    ArgillaImporter::detect, ArgillaImporter::new),
            new Format(HhRlhfImporter.NAME, "Anthropic HH-RLHF transcripts ({chosen, rejected} with Human:/Assistant: turns)",
                    Map.of(), HhRlhfImporter::detect, o -> new HhRlhfImporter()),
            new Format(TrlImporter.NAME, "TRL prompt/chosen/rejected: explicit or implicit prompt, text or conversational (covers UltraFeedback-binarized)",
                    Map.of(), TrlImporter::detect, TrlImporter::new));

    /** Options every format reads. */
    public static final Map<String, String> GLOBAL_OPTIONS = ordered(
            "ties", "keep | skip: equal judgements become tie records or give no pair (default keep)",
            "seed", "seed for random choices, e.g. ultrafeedback.pairs=binarized (default 42)");

    private Formats() {}

    public static List<Format> all() {
        return ALL;
    }

    public static Optional<Format> byName(String name) {
        return ALL.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** The names, comma-separated, for messages. */
    public static String names() {
        return String.join(", ", ALL.stream().map(Format::name).toList());
    }

    /**
     * The first format that accepts the majority of the sample records (the first few parseable
     * records of a file).
     */
    public static Optional<Format> detect(List<JsonNode> sample) {
        if (sample.isEmpty()) {
            return Optional.empty();
        }
        for (Format f : ALL) {
            long hits = sample.stream().filter(n -> n != null && n.isObject() && safeDetect(f, n)).count();
            if (hits * 2 > sample.size()) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    private static boolean safeDetect(Format f, JsonNode n) {
        try {
            return f.detector().test(n);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** @throws IllegalArgumentException naming an option key that no format reads */
    public static void checkOptionKeys(FormatOptions options) {
        Set<String> known = new TreeSet<>(GLOBAL_OPTIONS.keySet());
        ALL.forEach(f -> known.addAll(f.options().keySet()));
        for (String key : options.values().keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown import option '" + key + "' (known: " + String.join(", ", known) + ")");
            }
        }
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Keys of a sample record, for the "cannot detect" message. */
    public static List<String> keysOf(JsonNode n) {
        List<String> keys = new ArrayList<>();
        if (n != null && n.isObject()) {
            n.fieldNames().forEachRemaining(keys::add);
        }
        return keys;
    }
}
