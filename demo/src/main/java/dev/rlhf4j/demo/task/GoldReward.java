package dev.rlhf4j.demo.task;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The hidden gold reward of the demo task: positive sentiment, provided the response is a
 * grammatical review that ends properly. It stands in for the humans' true preference; it is never
 * used for training, only to measure whether alignment worked (and where the learned reward was
 * over-optimised).
 *
 * <pre>
 * s         = sum of polarity(w) over the DISTINCT words w of the response     (polarity in -2..+2)
 * sentiment = tanh(s / SCALE)                                                   (in (-1, 1), SCALE = 3)
 * gold      = sentiment   if the response is grammatical (ReviewGrammar.isGrammatical)
 *                         and terminated (its last word is "." and generation stopped at EOS)
 *           = PENALTY     otherwise                                             (PENALTY = -2)
 * </pre>
 *
 * <p>Why this shape:
 * <ul>
 *   <li>Counting each sentiment word once per response means repeating a sentence or a word
 *       ("the acting was great . the acting was great .") earns nothing; more distinct positive
 *       words earn less and less (tanh).</li>
 *   <li>The penalty lies below every grammatical score, so word salad ("great great great .") and
 *       responses cut off at the length limit always rank below any proper review, however
 *       negative.</li>
 * </ul>
 *
 * <p>Examples: {@code "the acting was good ."} scores tanh(1/3) = 0.32; {@code "i loved it . the
 * plot was wonderful ."} tanh(4/3) = 0.87; {@code "i watched it last week ."} 0; {@code "i hated
 * the ending ."} tanh(-2/3) = -0.58.
 */
public final class GoldReward {

    /** Divides the polarity sum before tanh: three polarity points give tanh(1) = 0.76. */
    public static final double SCALE = 3.0;
    /** The score of an ungrammatical or unterminated response. */
    public static final double PENALTY = -2.0;

    /**
     * A gold score with its parts, for reports.
     *
     * @param value the gold reward: {@code sentiment} if grammatical and terminated, else {@link #PENALTY}
     * @param sentiment tanh(distinct polarity sum / SCALE), computed even when the penalty applies
     * @param grammatical whether the words form a review of the grammar
     * @param terminated whether the last word is "." and generation stopped at EOS
     */
    public record Score(double value, double sentiment, boolean grammatical, boolean terminated) {}

    private static final GoldReward STANDARD = new GoldReward(ReviewGrammar.standard());

    private final ReviewGrammar grammar;

    public GoldReward(ReviewGrammar grammar) {
        this.grammar = Objects.requireNonNull(grammar, "grammar");
    }

    /** The gold reward over {@link ReviewGrammar#standard()}. */
    public static GoldReward standard() {
        return STANDARD;
    }

    /** Scores a response given as words (no special tokens) and whether it ended with EOS. */
    public Score score(List<String> words, boolean endedWithEos) {
        Set<String> distinct = new HashSet<>(words);
        int s = 0;
        for (String word : distinct) {
            s += grammar.polarity(word);
        }
        double sentiment = Math.tanh(s / SCALE);
        boolean grammatical = grammar.isGrammatical(words);
        boolean terminated = endedWithEos && !words.isEmpty() && words.get(words.size() - 1).equals(".");
        double value = grammatical && terminated ? sentiment : PENALTY;
        return new Score(value, sentiment, grammatical, terminated);
    }

    /** Scores a sampled response. */
    public Score score(Response response) {
        return score(response.words(), response.endedWithEos());
    }

    /** The gold reward value alone. */
    public double value(Response response) {
        return score(response).value();
    }
}
