package dev.rlhf4j.sft;

import dev.rlhf4j.core.util.Checks;
import java.util.Arrays;

/**
 * One tokenized training example: its tokens and which of them the loss is taken on.
 *
 * <p>{@code trained[t]} is true for completion (assistant) tokens, including the EOS that ends
 * them; prompt, system and user tokens are false. Token {@code t} is predicted from tokens {@code
 * 0..t-1}, so token 0 is never a target. The arrays are not copied: do not modify them.
 *
 * @param ids token ids, (n)
 * @param trained whether each token is a loss target, (n)
 * @param completionStart index of the first token of the final completion (assistant turn): what
 *     {@code truncate_prompt_left} must keep
 * @param where {@code file:line} of the record, for messages
 */
public record SftExample(long[] ids, boolean[] trained, int completionStart, String where) {

    public SftExample {
        Checks.notNull("ids", ids);
        Checks.notNull("trained", trained);
        Checks.check(ids.length == trained.length, "%s: %s token ids but %s loss flags", where, ids.length,
                trained.length);
        Checks.check(completionStart >= 0 && completionStart <= ids.length,
                "%s: completion start %s is outside the %s tokens", where, completionStart, ids.length);
    }

    /** Number of tokens. */
    public int length() {
        return ids.length;
    }

    /** Tokens the loss is taken on (token 0 never is: nothing predicts it). */
    public int targetCount() {
        int n = 0;
        for (int t = 1; t < trained.length; t++) {
            n += trained[t] ? 1 : 0;
        }
        return n;
    }

    /** The labels as transformers takes them: the token id where trained, -100 elsewhere. */
    public long[] labels() {
        long[] labels = new long[ids.length];
        for (int t = 0; t < ids.length; t++) {
            labels[t] = trained[t] ? ids[t] : -100;
        }
        return labels;
    }

    /** The tokens {@code from..length-1}, with token 0 kept first when {@code keepFirst}. */
    SftExample cutLeft(int from, boolean keepFirst) {
        int head = keepFirst ? 1 : 0;
        int n = head + ids.length - from;
        long[] newIds = new long[n];
        boolean[] newTrained = new boolean[n];
        if (keepFirst) {
            newIds[0] = ids[0];
            newTrained[0] = trained[0];
        }
        System.arraycopy(ids, from, newIds, head, ids.length - from);
        System.arraycopy(trained, from, newTrained, head, ids.length - from);
        return new SftExample(newIds, newTrained, Math.max(head, completionStart - from + head), where);
    }

    @Override
    public String toString() {
        return where + " " + Arrays.toString(ids);
    }
}
