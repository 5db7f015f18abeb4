package dev.rlhf4j.ppo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.SeededRng;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The PPO prompt set, tokenised once, served in seeded shuffled order epoch after epoch. Its whole
 * position is (epoch, index), so a resumed run continues with the same prompts.
 *
 * <p>A line holds {@code "prompt"} (text, tokenised as is) or {@code "messages"} (a conversation,
 * rendered with the chat template and a generation prompt), or is a canonical preference record. Prompts longer than the limit keep
 * their last tokens (the end of a prompt is what the response continues).
 */
public final class PromptSource {

    /**
     * One prompt: its text as the policy sees it, its tokens, and the conversation it was rendered
     * from ({@code null} for a text prompt).
     */
    public record Prompt(String text, long[] tokens, List<ChatMessage> messages) implements Serializable {

        private static final long serialVersionUID = 1L;

        /** A text prompt. */
        public Prompt(String text, long[] tokens) {
            this(text, tokens, null);
        }

        public Prompt {
            messages = messages == null ? null : List.copyOf(messages);
        }

        /** As written to samples files: the text, or the messages (so {@code rm score} reads it the same way). */
        public Object asJson() {
            if (messages == null) {
                return text;
            }
            return messages.stream().map(m -> java.util.Map.of("role", m.role(), "content", m.content())).toList();
        }
    }

    private final List<Prompt> prompts;
    private final long seed;
    private long epoch;
    private int index;
    private int[] order;

    public PromptSource(List<Prompt> prompts, long seed) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("the prompt set is empty");
        }
        this.prompts = List.copyOf(prompts);
        this.seed = seed;
        this.order = shuffled(0);
    }

    /**
     * Reads and tokenises a prompt file: {@code "prompt"} text or {@code "messages"} per line, or
     * the canonical preference records {@code data import} writes, whose distinct prompts are used
     * once each (text for a string source, the conversation otherwise, as the reward model reads
     * them).
     */
    public static List<Prompt> read(Path file, Tokenizer tokenizer, int maxPromptLength) {
        List<Prompt> out = new ArrayList<>();
        Set<String> fromRecords = new HashSet<>();
        JsonLines.forEach(file, line -> {
            String text;
            List<ChatMessage> turns = null;
            if (line.value().has("chosen")) {
                PreferenceRecord r = record(line);
                if (r.plainText()) {
                    text = PreferenceRecord.text(r.prompt());
                } else {
                    turns = r.prompt().stream().map(m -> new ChatMessage(m.role(), m.content())).toList();
                    if (turns.isEmpty()) {
                        throw new IllegalArgumentException(line.where() + ": the record's \"prompt\" is empty");
                    }
                    text = tokenizer.applyChatTemplate(turns, true);
                }
                if (!fromRecords.add(text)) {
                    return; // the same prompt compared again: one prompt
                }
            } else if (line.value().has("messages")) {
                turns = messages(line);
                text = tokenizer.applyChatTemplate(turns, true);
            } else {
                text = line.text("prompt");
            }
            // a rendered chat template carries its own special tokens (transformers: add_special_tokens=False)
            long[] tokens = turns != null ? tokenizer.encodePlain(text) : tokenizer.encode(text);
            if (tokens.length == 0) {
                throw new IllegalArgumentException(line.where() + ": the prompt has no tokens");
            }
            if (tokens.length > maxPromptLength) {
                tokens = Arrays.copyOfRange(tokens, tokens.length - maxPromptLength, tokens.length);
            }
            out.add(new Prompt(text, tokens, turns));
        });
        return out;
    }

    private static List<ChatMessage> messages(JsonLines.Line line) {
        JsonNode messages = line.value().get("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException(line.where() + ": \"messages\" must be a non-empty list of {role, content}");
        }
        List<ChatMessage> turns = new ArrayList<>();
        for (JsonNode m : messages) {
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new IllegalArgumentException(line.where() + ": every message needs string \"role\" and \"content\"");
            }
            turns.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        }
        return turns;
    }

    private static PreferenceRecord record(JsonLines.Line line) {
        try {
            return RecordJson.fromJson(line.value());
        } catch (InvalidRecordException e) {
            throw new IllegalArgumentException(line.where() + ": not a preference record: " + e.getMessage(), e);
        }
    }

    /** The next {@code n} prompts, moving to a new shuffled epoch when one runs out. */
    public List<Prompt> next(int n) {
        List<Prompt> batch = new ArrayList<>(n);
        while (batch.size() < n) {
            if (index == order.length) {
                epoch++;
                index = 0;
                order = shuffled(epoch);
            }
            batch.add(prompts.get(order[index++]));
        }
        return batch;
    }

    public long epoch() {
        return epoch;
    }

    public int index() {
        return index;
    }

    /** Restores a position saved with a checkpoint. */
    public void seek(long epoch, int index) {
        this.epoch = epoch;
        this.index = index;
        this.order = shuffled(epoch);
    }

    public int size() {
        return prompts.size();
    }

    /** The length of the longest prompt, in tokens. */
    public int longest() {
        return prompts.stream().mapToInt(p -> p.tokens().length).max().orElse(0);
    }

    private int[] shuffled(long epoch) {
        int[] o = new int[prompts.size()];
        for (int i = 0; i < o.length; i++) {
            o[i] = i;
        }
        SeededRng rng = new SeededRng(seed * 31 + epoch);
        for (int i = o.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }
}
