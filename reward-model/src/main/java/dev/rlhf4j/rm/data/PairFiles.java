package dev.rlhf4j.rm.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.RecordJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads preference pairs from JSON Lines files (optionally {@code .gz}), line by line, in one of
 * two layouts, recognised per line:
 *
 * <ul>
 *   <li><b>RewardBench</b>: {@code prompt}, {@code chosen} and {@code rejected} all plain strings
 *       (optional {@code subset}, {@code id}, any other keys ignored), as in {@code
 *       allenai/reward-bench}'s {@code filtered} split. The prompt becomes one user turn and each
 *       response one assistant turn, which is how RewardBench itself formats these rows for a
 *       sequence classifier (chat template of the tokenizer).
 *   <li><b>Canonical</b> preference records (DESIGN.md; {@link RecordJson}), everything else.
 * </ul>
 *
 * Errors name {@code file:line} and the reason.
 */
public final class PairFiles {

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

    /** Whether a line is laid out like RewardBench (prompt, chosen, rejected as strings). */
    public static boolean isRewardBench(JsonNode node) {
        return node.path("prompt").isTextual() && node.path("chosen").isTextual() && node.path("rejected").isTextual();
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
                    Map.of(), where);
        }
        try {
            return PreferencePair.of(RecordJson.fromJson(node), where);
        } catch (InvalidRecordException e) {
            throw new IllegalArgumentException(where + ": not a canonical preference record nor a RewardBench row"
                    + " (prompt, chosen, rejected as strings): " + e.getMessage(), e);
        }
    }
}
