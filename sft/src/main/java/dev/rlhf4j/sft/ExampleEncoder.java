package dev.rlhf4j.sft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns one JSONL record into tokens and loss flags. Two record shapes:
 *
 * <p><b>Text</b>, {@code {"prompt": "...", "completion": "..."}}: {@code encode(prompt) +
 * encodePlain(completion) + [EOS]}, the prompt with the special tokens the tokenizer adds (BOS
 * for Llama, none for GPT-2), the completion without, and EOS appended unless the completion
 * already ends with one. The loss covers the completion and its EOS. This is how transformers'
 * and TRL's SFT tokenize a prompt-completion pair, and how a prompt is encoded for generation.
 *
 * <p><b>Conversation</b>, {@code {"messages": [{"role": "...", "content": "..."}, ...]}}: the
 * conversation is rendered with the model's chat template (the tokenizer's PLAIN template when
 * the model has none). Each assistant turn {@code i} is located by rendering the conversation
 * up to it with {@code add_generation_prompt=true} and up to and including it: the difference is
 * the turn's text. The template must be prefix-stable (each rendering a prefix of the next),
 * otherwise the record is rejected naming file and line. The pieces are tokenized one by one, the
 * first with the tokenizer's special tokens unless the template wrote BOS itself, the rest
 * without: so every assistant turn starts exactly where generation would start it. An assistant
 * turn is trained up to and including its first EOS (the template's end-of-turn token when that
 * is an EOS id, e.g. ChatML's {@code <|im_end|>}); template text after it is context. A turn
 * without an EOS gets one appended, so the model learns to stop. System, user and any other role
 * is context, never trained, and text after the last assistant turn is left out.
 *
 * <p><b>Preference record</b> (the canonical records {@code data import} writes): its prompt and
 * chosen response are the demonstration, "SFT on the preferred responses" (Rafailov et al. 2023,
 * TRL's recipes), as text or as a conversation the way the reward model reads the record: a record
 * from a string source ({@code meta.text}) is {@code prompt + chosen}, any other the conversation
 * prompt + chosen. A tie has no preferred response and is left out ({@link #encode} returns null).
 */
final class ExampleEncoder {

    private final Tokenizer tokenizer;
    private final long eos;
    private final Set<Long> eosIds = new HashSet<>();
    private final long bos;

    ExampleEncoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        if (tokenizer.eosId() < 0) {
            throw new IllegalArgumentException(tokenizer.directory()
                    + ": the tokenizer has no EOS token, which SFT appends to every completion;"
                    + " set eos_token in tokenizer_config.json");
        }
        this.eos = tokenizer.eosId();
        tokenizer.eosIds().forEach(id -> eosIds.add((long) id));
        this.bos = tokenizer.bosId();
    }

    /** The record on {@code line}, untruncated; null for a tie preference record (nothing to imitate). */
    SftExample encode(JsonLines.Line line) {
        JsonNode v = line.value();
        if (v.has("messages")) {
            return conversation(messages(line), line.where());
        }
        if (v.has("chosen")) {
            return preferred(line);
        }
        if (v.has("prompt") || v.has("completion")) {
            return promptCompletion(line.text("prompt"), line.text("completion"), line.where());
        }
        Set<String> keys = new TreeSet<>();
        v.fieldNames().forEachRemaining(keys::add);
        throw new IllegalArgumentException(line.where() + ": expected \"prompt\" and \"completion\" (text),"
                + " \"messages\" (a list of {\"role\", \"content\"}) or a preference record (\"prompt\", \"chosen\","
                + " \"rejected\"), but the keys are: " + keys);
    }

    /** A canonical preference record: its prompt and chosen response; null for a tie. */
    private SftExample preferred(JsonLines.Line line) {
        PreferenceRecord r;
        try {
            r = RecordJson.fromJson(line.value());
        } catch (InvalidRecordException e) {
            throw new IllegalArgumentException(line.where() + ": not a preference record: " + e.getMessage(), e);
        }
        if (r.tie()) {
            return null;
        }
        if (r.plainText()) {
            return promptCompletion(PreferenceRecord.text(r.prompt()), PreferenceRecord.text(r.chosen()), line.where());
        }
        List<ChatMessage> messages = new ArrayList<>();
        r.prompt().forEach(m -> messages.add(new ChatMessage(m.role(), m.content())));
        r.chosen().forEach(m -> messages.add(new ChatMessage(m.role(), m.content())));
        return conversation(messages, line.where());
    }

    /** {@code encode(prompt) + encodePlain(completion) + [EOS]}, the loss on the completion and EOS. */
    SftExample promptCompletion(String prompt, String completion, String where) {
        long[] p = tokenizer.encode(prompt);
        long[] c = tokenizer.encodePlain(completion);
        boolean endsWithEos = c.length > 0 && eosIds.contains(c[c.length - 1]);
        Tokens out = new Tokens();
        out.add(p, false);
        out.add(c, true);
        if (!endsWithEos) {
            out.add(new long[] {eos}, true);
        }
        return out.build(p.length, where);
    }

    /** A conversation rendered with the chat template; the loss on the assistant turns. */
    SftExample conversation(List<ChatMessage> messages, String where) {
        String full = tokenizer.applyChatTemplate(messages, false);
        // character spans [start, end) of the assistant turns in the full rendering
        List<int[]> spans = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).role().equals("assistant")) {
                continue;
            }
            String before = tokenizer.applyChatTemplate(messages.subList(0, i), true);
            String upTo = tokenizer.applyChatTemplate(messages.subList(0, i + 1), false);
            int previousEnd = spans.isEmpty() ? 0 : spans.get(spans.size() - 1)[1];
            if (!upTo.startsWith(before) || !full.startsWith(upTo) || before.length() < previousEnd) {
                throw new IllegalArgumentException(where + ": the chat template is not prefix-stable at messages[" + i
                        + "] (assistant): the conversation rendered up to this turn with add_generation_prompt=true"
                        + " must be a prefix of the rendering that includes it, and that of the whole conversation;"
                        + " so the assistant turns cannot be located. Use a template that renders earlier turns the"
                        + " same whatever follows");
            }
            spans.add(new int[] {before.length(), upTo.length()});
        }
        if (spans.isEmpty()) {
            throw new IllegalArgumentException(where + ": messages has no assistant turn, so nothing to train on");
        }
        Tokens out = new Tokens();
        int completionStart = 0;
        int at = 0;
        for (int[] span : spans) {
            String context = full.substring(at, span[0]);
            out.add(at == 0 ? encodeFirst(context) : tokenizer.encodePlain(context), false);
            completionStart = out.size();
            out.addTurn(tokenizer.encodePlain(full.substring(span[0], span[1])));
            at = span[1];
        }
        return out.build(completionStart, where);
    }

    /** The start of a sequence: with the tokenizer's special tokens, unless the template already wrote BOS. */
    private long[] encodeFirst(String text) {
        long[] plain = tokenizer.encodePlain(text);
        if (bos >= 0 && plain.length > 0 && plain[0] == bos) {
            return plain;
        }
        return tokenizer.encode(text);
    }

    private static List<ChatMessage> messages(JsonLines.Line line) {
        JsonNode list = line.value().get("messages");
        if (!list.isArray()) {
            throw new IllegalArgumentException(line.where() + ": field \"messages\" must be a list of {\"role\","
                    + " \"content\"}, but is: " + list.getNodeType().toString().toLowerCase());
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            out.add(new ChatMessage(messageText(line, m, i, "role"), messageText(line, m, i, "content")));
        }
        return out;
    }

    private static String messageText(JsonLines.Line line, JsonNode message, int index, String key) {
        JsonNode v = message.get(key);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(line.where() + ": field \"messages[" + index + "]." + key
                    + "\" must be a string, but is: "
                    + (v == null ? "missing" : v.getNodeType().toString().toLowerCase()));
        }
        return v.asText();
    }

    /** Token ids and loss flags, appended piece by piece. */
    private final class Tokens {
        private final List<Long> ids = new ArrayList<>();
        private final List<Boolean> trained = new ArrayList<>();

        void add(long[] piece, boolean train) {
            for (long id : piece) {
                ids.add(id);
                trained.add(train);
            }
        }

        /** An assistant turn: trained up to and including its first EOS; EOS appended if it has none. */
        void addTurn(long[] turn) {
            boolean ended = false;
            for (long id : turn) {
                ids.add(id);
                trained.add(!ended);
                ended |= eosIds.contains(id);
            }
            if (!ended) {
                add(new long[] {eos}, true);
            }
        }

        int size() {
            return ids.size();
        }

        SftExample build(int completionStart, String where) {
            long[] outIds = new long[ids.size()];
            boolean[] outTrained = new boolean[ids.size()];
            for (int i = 0; i < outIds.length; i++) {
                outIds[i] = ids.get(i);
                outTrained[i] = trained.get(i);
            }
            return new SftExample(outIds, outTrained, completionStart, where);
        }
    }
}
