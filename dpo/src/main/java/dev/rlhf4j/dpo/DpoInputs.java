package dev.rlhf4j.dpo;

import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.ChatTemplate;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.util.Checks;
import dev.rlhf4j.data.record.Votes;
import dev.rlhf4j.rm.data.PreferencePair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a preference pair becomes prompt and response ids: TRL's {@code DPOTrainer} layout, with
 * the reward model's rule for which records are text and which are conversations ({@link
 * dev.rlhf4j.rm.RewardInputs}), so DPO and the reward model read the same data the same way.
 *
 * <ol>
 *   <li><b>Text</b> (string prompt and responses: TRL triples, records marked {@code meta.text}):
 *       {@code encode(prompt + response)} with EOS appended unless it ends with one, and {@code
 *       encode(prompt)}: the response starts where the two diverge (usually right after the
 *       prompt; earlier if a token merges across the boundary).
 *   <li><b>Conversation</b>: {@code template(prompt, add_generation_prompt=true)} and {@code
 *       template(prompt + response)}, split the same way; the model's own template ends a turn
 *       itself, so nothing is appended (as TRL). A model without a template reads conversations
 *       through the built-in {@link ChatTemplate#PLAIN} rendering, which has no end-of-turn token:
 *       there EOS is appended, as SFT does, so the policy still learns to stop.
 *   <li>The prompt is cut to the shorter of the two prefixes, so both sequences share it.
 *   <li><b>Length</b>: prompt + response is cut to {@code maxLength} tokens, keeping the start (TRL's
 *       {@code keep_start}); a pair whose prompt alone fills {@code maxLength} leaves nothing to
 *       compare and is dropped ({@link #encode} returns null), as TRL drops it.
 * </ol>
 */
public final class DpoInputs {

    private final Tokenizer tokenizer;
    private final int maxLength;
    private final boolean builtInTemplate;

    public DpoInputs(Tokenizer tokenizer, int maxLength) {
        this.tokenizer = Checks.notNull("tokenizer", tokenizer);
        this.maxLength = (int) Checks.between("max_length", maxLength, 2, Integer.MAX_VALUE);
        this.builtInTemplate = ChatTemplate.PLAIN.equals(tokenizer.chatTemplate().source());
        Checks.check(tokenizer.eosId() >= 0, "%s: the tokenizer has no EOS token, which ends every response;"
                + " set eos_token in tokenizer_config.json", tokenizer.directory());
    }

    /**
     * The pair's ids, or null when its prompt alone fills {@code max_length}.
     *
     * @param votes the votes the pair is trained with
     * @param index the pair's position in the data
     */
    public DpoExample encode(PreferencePair pair, Votes votes, int index) {
        long[] prompt;
        long[] chosen;
        long[] rejected;
        if (pair.text()) {
            prompt = tokenizer.encode(pair.promptText());
            chosen = withEos(tokenizer.encode(pair.promptText() + pair.chosenText()));
            rejected = withEos(tokenizer.encode(pair.promptText() + pair.rejectedText()));
        } else {
            prompt = conversation(pair.prompt(), List.of(), true);
            chosen = conversation(pair.prompt(), pair.chosen(), false);
            rejected = conversation(pair.prompt(), pair.rejected(), false);
            if (builtInTemplate) {
                chosen = withEos(chosen);
                rejected = withEos(rejected);
            }
        }
        int p = Math.min(commonPrefix(prompt, chosen), commonPrefix(prompt, rejected));
        if (p >= maxLength) {
            return null;
        }
        long[] promptIds = Arrays.copyOf(prompt, p);
        long[] chosenIds = Arrays.copyOfRange(chosen, p, Math.min(chosen.length, maxLength));
        long[] rejectedIds = Arrays.copyOfRange(rejected, p, Math.min(rejected.length, maxLength));
        Checks.check(chosenIds.length > 0 && rejectedIds.length > 0, "%s: a response has no tokens after the prompt",
                pair.where());
        return new DpoExample(promptIds, chosenIds, rejectedIds, votes, index, pair.where());
    }

    private long[] conversation(List<ChatMessage> prompt, List<ChatMessage> response, boolean generationPrompt) {
        List<ChatMessage> all = new ArrayList<>(prompt);
        all.addAll(response);
        String text = tokenizer.applyChatTemplate(all, generationPrompt);
        // a model's own template writes its special tokens itself (as transformers' apply_chat_template)
        return builtInTemplate ? tokenizer.encode(text) : tokenizer.encodePlain(text);
    }

    private long[] withEos(long[] ids) {
        long eos = tokenizer.eosId();
        if (ids.length > 0 && ids[ids.length - 1] == eos) {
            return ids;
        }
        long[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos;
        return out;
    }

    private static int commonPrefix(long[] a, long[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    /** The longest sequence kept. */
    public int maxLength() {
        return maxLength;
    }
}
