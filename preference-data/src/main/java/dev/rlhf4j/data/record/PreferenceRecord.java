package dev.rlhf4j.data.record;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The canonical preference record (DESIGN.md, "preference-data"). One JSON object per line:
 *
 * <pre>{@code
 * {"id": "...", "prompt": [{"role": "user", "content": "..."}],
 *  "chosen": [{"role": "assistant", "content": "..."}],
 *  "rejected": [{"role": "assistant", "content": "..."}],
 *  "tie": false, "margin": 1.0, "group_id": "...", "source": "hh-rlhf",
 *  "split": "train", "annotators": ["w1"], "labels": [...], "meta": {...}}
 * }</pre>
 *
 * <p>{@code prompt} may hold a multi-turn history (and may be empty when the source has no shared
 * prompt); {@code chosen}/{@code rejected} hold the final turn(s). For a tie ({@code tie: true})
 * the two sides are equally good and their order carries no preference. {@code margin},
 * {@code group_id} and {@code split} are {@code null} when unknown. The {@code id} is derived from
 * the content ({@link RecordIds#id}), so re-importing the same export gives the same ids.
 *
 * <p>Keys in {@code meta} written by the importers: {@code chosen_position} (0 when the chosen
 * response was shown first, 1 when second; only where the source records what annotators saw),
 * and source-specific keys documented on each importer.
 */
@JsonPropertyOrder({"id", "prompt", "chosen", "rejected", "tie", "margin", "group_id", "source",
    "split", "annotators", "labels", "meta"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record PreferenceRecord(
        @JsonProperty("id") String id,
        @JsonProperty("prompt") List<Message> prompt,
        @JsonProperty("chosen") List<Message> chosen,
        @JsonProperty("rejected") List<Message> rejected,
        @JsonProperty("tie") boolean tie,
        @JsonProperty("margin") Double margin,
        @JsonProperty("group_id") String groupId,
        @JsonProperty("source") String source,
        @JsonProperty("split") String split,
        @JsonProperty("annotators") List<String> annotators,
        @JsonProperty("labels") List<Label> labels,
        @JsonProperty("meta") Map<String, Object> meta) {

    /** Meta key: 0 when the chosen response was shown first to the annotator, 1 when second. */
    public static final String META_CHOSEN_POSITION = "chosen_position";

    /**
     * Meta key: {@code true} when the source held plain strings (a prompt string and response
     * strings, as TRL's text triples) rather than a conversation. A reward model reads such a pair
     * as the text {@code prompt + response}, not through a chat template (see reward-model's
     * {@code RewardInputs}).
     */
    public static final String META_TEXT = "text";

    public PreferenceRecord {
        Objects.requireNonNull(id, "id");
        prompt = List.copyOf(prompt);
        chosen = List.copyOf(chosen);
        rejected = List.copyOf(rejected);
        annotators = annotators == null ? List.of() : List.copyOf(annotators);
        labels = labels == null ? List.of() : List.copyOf(labels);
        meta = meta == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(meta));
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.prompt = prompt;
        b.chosen = chosen;
        b.rejected = rejected;
        b.tie = tie;
        b.margin = margin;
        b.groupId = groupId;
        b.source = source;
        b.split = split;
        b.annotators = new ArrayList<>(annotators);
        b.labels = new ArrayList<>(labels);
        b.meta = new LinkedHashMap<>(meta);
        return b;
    }

    /** The same judgement with chosen and rejected swapped (labels flipped, position adjusted). */
    public PreferenceRecord flipped() {
        Builder b = toBuilder();
        b.chosen = rejected;
        b.rejected = chosen;
        b.labels = new ArrayList<>(labels.stream().map(Label::flipped).toList());
        Object pos = meta.get(META_CHOSEN_POSITION);
        if (pos instanceof Number n) {
            b.meta.put(META_CHOSEN_POSITION, 1 - n.intValue());
        }
        return b.build();
    }

    /** Whether the source held plain strings ({@value #META_TEXT}). */
    public boolean plainText() {
        return Boolean.TRUE.equals(meta.get(META_TEXT));
    }

    /** The final content of a side, all its messages joined by newlines. */
    public static String text(List<Message> messages) {
        if (messages.size() == 1) {
            return messages.get(0).content();
        }
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(m.content());
        }
        return sb.toString();
    }

    /**
     * Builds a record; {@link #build()} derives the id from the content. Many fields are
     * optional, hence a builder rather than a long constructor call in every importer.
     */
    public static final class Builder {
        private List<Message> prompt = List.of();
        private List<Message> chosen = List.of();
        private List<Message> rejected = List.of();
        private boolean tie;
        private Double margin;
        private String groupId;
        private String source;
        private String split;
        private List<String> annotators = new ArrayList<>();
        private List<Label> labels = new ArrayList<>();
        private Map<String, Object> meta = new LinkedHashMap<>();

        private Builder() {}

        public Builder prompt(List<Message> prompt) {
            this.prompt = prompt;
            return this;
        }

        public Builder chosen(List<Message> chosen) {
            this.chosen = chosen;
            return this;
        }

        public Builder rejected(List<Message> rejected) {
            this.rejected = rejected;
            return this;
        }

        public Builder tie(boolean tie) {
            this.tie = tie;
            return this;
        }

        public Builder margin(Double margin) {
            this.margin = margin;
            return this;
        }

        public Builder groupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        public Builder source(String source) {
            this.source = source;
            return this;
        }

        public Builder split(String split) {
            this.split = split;
            return this;
        }

        public Builder annotators(List<String> annotators) {
            this.annotators = new ArrayList<>(annotators);
            return this;
        }

        public Builder annotator(String annotator) {
            if (annotator != null && !annotators.contains(annotator)) {
                annotators.add(annotator);
            }
            return this;
        }

        public Builder labels(List<Label> labels) {
            this.labels = new ArrayList<>(labels);
            return this;
        }

        /** Adds a label and its annotator (when named) to the annotator list. */
        public Builder label(Label label) {
            labels.add(label);
            annotator(label.annotator());
            return this;
        }

        public Builder meta(Map<String, Object> meta) {
            this.meta = new LinkedHashMap<>(meta);
            return this;
        }

        public Builder meta(String key, Object value) {
            if (value != null) {
                meta.put(key, value);
            }
            return this;
        }

        /** Marks the record as read from plain strings ({@value #META_TEXT}). */
        public Builder plainText() {
            return meta(META_TEXT, true);
        }

        public Builder chosenPosition(int position) {
            return meta(META_CHOSEN_POSITION, position);
        }

        public List<Message> chosen() {
            return chosen;
        }

        public List<Message> rejected() {
            return rejected;
        }

        public List<Message> prompt() {
            return prompt;
        }

        public String groupId() {
            return groupId;
        }

        public PreferenceRecord build() {
            List<String> uniqueAnnotators = new ArrayList<>(new LinkedHashSet<>(annotators));
            return new PreferenceRecord(RecordIds.id(prompt, chosen, rejected), prompt, chosen,
                    rejected, tie, margin, groupId, source, split, uniqueAnnotators, labels, meta);
        }
    }
}
