package dev.rlhf4j.core.generate;

import dev.rlhf4j.core.util.Checks;
import java.util.List;
import java.util.Locale;

/**
 * How to search: the options of transformers' {@code generate(num_beams=..., do_sample=False,
 * length_penalty=..., early_stopping=..., num_return_sequences=...)}, with its defaults.
 *
 * @param numBeams hypotheses kept per prompt; 1 is greedy decoding (transformers then runs its
 *     greedy search, which ignores the length penalty and early stopping)
 * @param maxNewTokens most tokens generated per hypothesis
 * @param lengthPenalty finished hypotheses rank by {@code sum_logprobs / generated_length ^
 *     length_penalty}: above 0 favours longer ones, below 0 shorter ones; default 1
 * @param earlyStopping when the search of a prompt ends; default {@link EarlyStopping#FALSE}
 * @param numReturnSequences the best hypotheses returned per prompt, 1 to {@code numBeams}; default 1
 * @param stopIds token ids that end a hypothesis besides the tokenizer's EOS ids
 */
public record BeamConfig(int numBeams, int maxNewTokens, float lengthPenalty, EarlyStopping earlyStopping,
        int numReturnSequences, List<Integer> stopIds) {

    public BeamConfig {
        stopIds = List.copyOf(stopIds);
        Checks.positive("num_beams", numBeams);
        Checks.positive("max_new_tokens", maxNewTokens);
        Checks.finite("length_penalty", lengthPenalty);
        Checks.notNull("early_stopping", earlyStopping);
        Checks.check(numReturnSequences >= 1 && numReturnSequences <= numBeams,
                "num_return_sequences must be between 1 and num_beams (%d), but is: %d", numBeams, numReturnSequences);
    }

    /** {@code numBeams} beams with transformers' defaults: length penalty 1, early stopping false, one sequence. */
    public static BeamConfig of(int numBeams, int maxNewTokens) {
        return new BeamConfig(numBeams, maxNewTokens, 1f, EarlyStopping.FALSE, 1, List.of());
    }

    /**
     * transformers' {@code early_stopping}: when a prompt's search is over (it always ends at
     * {@code max_new_tokens}). A finished hypothesis scores {@code sum_logprobs / length ^
     * length_penalty}; "can still improve" compares the best running beam, scored at a length the
     * variant assumes, with the worst of the {@code num_beams} finished ones.
     */
    public enum EarlyStopping {
        /** As soon as {@code num_beams} hypotheses have finished. */
        TRUE,
        /**
         * When the best running beam, scored at its current length, cannot beat the worst finished
         * hypothesis: a heuristic (exact when the length penalty is 0 or negative).
         */
        FALSE,
        /**
         * When it cannot beat it at the most favourable length ({@code max_new_tokens} when the
         * length penalty is positive): the canonical beam search.
         */
        NEVER;

        /** {@code true}, {@code false} or {@code never}, as transformers spells them. */
        public static EarlyStopping parse(String key, String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "true" -> TRUE;
                case "false" -> FALSE;
                case "never" -> NEVER;
                default -> throw new IllegalArgumentException(key + " must be true, false or never, but is: " + value);
            };
        }
    }
}
