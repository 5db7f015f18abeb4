package dev.rlhf4j.dpo;

import dev.rlhf4j.data.record.Votes;

/**
 * One preference pair as token ids: the shared prompt, then each response. The log-probability
 * of a response is summed over its own tokens only.
 *
 * @param promptIds the prompt's ids (may be empty)
 * @param chosenIds the preferred response's ids, after the prompt (never empty)
 * @param rejectedIds the other response's ids (never empty)
 * @param votes the pair's votes (one for the chosen side for a single judgement)
 * @param index the pair's position in its file list (the key of precomputed reference log-probs)
 * @param where {@code file:line}, for messages
 */
public record DpoExample(long[] promptIds, long[] chosenIds, long[] rejectedIds, Votes votes, int index, String where) {

    /** Tokens of prompt + chosen and of prompt + rejected. */
    public long tokens() {
        return 2L * promptIds.length + chosenIds.length + rejectedIds.length;
    }
}
