package dev.rlhf4j.rm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.util.Checks;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores lines of a file to score ({@link ScoreRecord}) in chunks and gives them back as {@code
 * rlhf4j rm score} writes them: the line's object with {@code reward_chosen} and {@code
 * reward_rejected} added for a pair, else {@code reward}. One class, so that the command and the
 * Spark job write the same records.
 */
public final class LineScorer {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One line: the object to write back and the index of its first sequence (1 or 2 of them). */
    private record Item(ObjectNode node, boolean pair, int first) {}

    private final RewardInputs inputs;
    private final RewardScorer scorer;
    private final List<Item> items = new ArrayList<>();
    private final List<long[]> seqs = new ArrayList<>();
    private long records;
    private long sequences;
    private long distinct;
    private long tokens;

    public LineScorer(RewardInputs inputs, RewardScorer scorer) {
        this.inputs = Checks.notNull("inputs", inputs);
        this.scorer = Checks.notNull("scorer", scorer);
    }

    /**
     * Reads one line's sequences; it is scored by the next {@link #flush()}.
     *
     * @throws IllegalArgumentException naming the line when it holds nothing to score
     */
    public void add(JsonLines.Line line) {
        if (!(line.value() instanceof ObjectNode node)) {
            throw new IllegalArgumentException(line.where() + ": expected a JSON object");
        }
        ScoreRecord r = ScoreRecord.of(line, inputs);
        int first = seqs.size();
        seqs.addAll(r.sequences());
        items.add(new Item(node, r.pair(), first));
    }

    /** Lines added since the last flush. */
    public int pending() {
        return items.size();
    }

    /** Scores the pending lines (identical sequences once) and returns them as JSON, in order. */
    public List<String> flush() {
        if (items.isEmpty()) {
            return List.of();
        }
        float[] scores = scorer.scoreSequences(seqs);
        List<String> out = new ArrayList<>(items.size());
        try {
            for (Item it : items) {
                if (it.pair()) {
                    it.node().put("reward_chosen", scores[it.first()]);
                    it.node().put("reward_rejected", scores[it.first() + 1]);
                } else {
                    it.node().put("reward", scores[it.first()]);
                }
                out.add(JSON.writeValueAsString(it.node()));
            }
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write scored records: " + e.getMessage(), e);
        }
        records += items.size();
        sequences += seqs.size();
        List<long[]> unique = RewardScorer.unique(seqs);
        distinct += unique.size();
        for (long[] u : unique) {
            tokens += u.length;
        }
        items.clear();
        seqs.clear();
        return out;
    }

    /** Lines scored. */
    public long records() {
        return records;
    }

    /** Sequences scored (two per pair). */
    public long sequences() {
        return sequences;
    }

    /** Distinct sequences per chunk, summed: the forward passes' rows. */
    public long distinct() {
        return distinct;
    }

    /** Tokens of the distinct sequences. */
    public long tokens() {
        return tokens;
    }
}
