package dev.rlhf4j.rm.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.RecordJson;
import dev.rlhf4j.data.record.Votes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads preference pairs from JSON Lines files (optionally {@code .gz}), line by line, in one of
 * three layouts, recognised per line:
 *
 * <ul>
 *   <li><b>TRL text</b>: {@code prompt} (optional), {@code chosen} and {@code rejected} plain
 *       strings: a text pair, read by the reward model as {@code prompt + response} (TRL's
 *       convention), exactly as the canonical record imported from the same line.
 *   <li><b>RewardBench</b>: the same strings plus RewardBench's {@code subset} (optional {@code
 *       id}), as in {@code allenai/reward-bench}'s {@code filtered} split. The prompt becomes one
 *       user turn and each response one assistant turn, which is how RewardBench itself formats
 *       these rows for a sequence classifier (the tokenizer's chat template).
 *   <li><b>Canonical</b> preference records (DESIGN.md; {@link RecordJson}), everything else.
 * </ul>
 *
 * Errors name {@code file:line} and the reason.
 */
public final class PairFiles {

    private static final Votes ONE_VOTE = new Votes(1, 0, 0);

    private PairFiles() {}

    /** All pairs of the files, in order. */
    public static List<PreferencePair> read(List<Path> files) {
        List<PreferencePair> out = new ArrayList<>();
        for (Path f : files) {
            out.addAll(read(f));
        }
        return out;
    }

    /** All pairs of one file, in order. */
    public static List<PreferencePair> read(Path file) {
        List<PreferencePair> out = new ArrayList<>();
        JsonLines.forEach(file, line -> out.add(parse(line.value(), line.where())));
        return out;
    }

    /** Whether a line is laid out like RewardBench (prompt, chosen, rejected as strings, and a subset). */
    public static boolean isRewardBench(JsonNode node) {
        return isText(node) && node.path("prompt").isTextual() && node.has("subset");
    }

    /** Whether a line holds a text pair: chosen and rejected strings, the prompt a string or absent. */
    public static boolean isText(JsonNode node) {
        JsonNode prompt = node.get("prompt");
        return node.path("chosen").isTextual() && node.path("rejected").isTextual()
                && (prompt == null || prompt.isNull() || prompt.isTextual());
    }

    /**
     * One line's pair.
     *
     * @param where {@code file:line}, for messages
     * @throws IllegalArgumentException naming {@code where} when the line is neither layout
     */
    public static PreferencePair parse(JsonNode node, String where) {
        if (isRewardBench(node)) {
            JsonNode subset = node.get("subset");
            JsonNode id = node.get("id");
            return new PreferencePair(id == null || id.isNull() ? where : id.asText(),
                    List.of(ChatMessage.user(node.get("prompt").asText())),
                    List.of(ChatMessage.assistant(node.get("chosen").asText())),
                    List.of(ChatMessage.assistant(node.get("rejected").asText())),
                    false, null, null, null, subset != null && subset.isTextual() ? subset.asText() : null,
                    Map.of(), where, false, ONE_VOTE);
        }
        if (isText(node)) {
            // a TRL triple: the same pair the importer makes of the line, read as text
            JsonNode prompt = node.get("prompt");
            String p = prompt == null || prompt.isNull() ? "" : prompt.asText();
            JsonNode margin = node.get("margin");
            return new PreferencePair(where, p.isEmpty() ? List.of() : List.of(ChatMessage.user(p)),
                    List.of(ChatMessage.assistant(node.get("chosen").asText())),
                    List.of(ChatMessage.assistant(node.get("rejected").asText())),
                    false, margin != null && margin.isNumber() ? margin.asDouble() : null, null, null, null,
                    Map.of(), where, true, ONE_VOTE);
        }
        try {
            return PreferencePair.of(RecordJson.fromJson(node), where);
        } catch (InvalidRecordException e) {
            throw new IllegalArgumentException(where + ": not a canonical preference record nor a RewardBench row"
                    + " (prompt, chosen, rejected as strings): " + e.getMessage(), e);
        }
    }
}
