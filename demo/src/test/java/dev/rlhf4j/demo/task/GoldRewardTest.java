package dev.rlhf4j.demo.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GoldRewardTest {

    private static final GoldReward GOLD = GoldReward.standard();

    private static double gold(String text) {
        return GOLD.value(Response.complete(text));
    }

    @Test
    void ordersHandPickedReviews() {
        List<String> bestToWorst = List.of(
                "the acting was wonderful and the plot was clever . i loved it .",  // +2 +1 +2
                "i loved it . the plot was wonderful .",                             // +2 +2
                "the acting was good .",                                             // +1
                "i watched it last week .",                                          //  0
                "the plot was good but the ending was boring and dull .",            // +1 -1 -1
                "i hated the ending .",                                              // -2
                "i hated it . the ending was awful and the cast was terrible .",     // -2 -2 -2
                "great great great .");                                              // ungrammatical
        for (int i = 1; i < bestToWorst.size(); i++) {
            assertTrue(gold(bestToWorst.get(i - 1)) > gold(bestToWorst.get(i)),
                    bestToWorst.get(i - 1) + " should beat " + bestToWorst.get(i));
        }
    }

    @Test
    void valuesFollowTheDocumentedFormula() {
        assertEquals(Math.tanh(5.0 / 3), gold("the acting was wonderful and the plot was clever . i loved it ."), 1e-12);
        assertEquals(Math.tanh(1.0 / 3), gold("the acting was good ."), 1e-12);
        assertEquals(0.0, gold("i watched it last week ."), 1e-12);
        assertEquals(Math.tanh(-2.0 / 3), gold("i hated the ending ."), 1e-12);
        assertEquals(Math.tanh(-6.0 / 3), gold("i hated it . the ending was awful and the cast was terrible ."), 1e-12);
    }

    @Test
    void repetitionEarnsNothing() {
        double once = gold("the acting was wonderful .");
        assertEquals(once, gold("the acting was wonderful . the acting was wonderful . the acting was wonderful ."), 1e-12);
        assertEquals(once, gold("the acting was wonderful and wonderful ."), 1e-12);
        assertEquals(GoldReward.PENALTY, gold("wonderful wonderful wonderful wonderful ."));
        assertEquals(GoldReward.PENALTY, gold("the acting was wonderful wonderful ."));
    }

    @Test
    void ungrammaticalOrUnterminatedResponsesArePenalised() {
        String fine = "the plot was wonderful .";
        GoldReward.Score truncated = GOLD.score(new Response(fine, false));
        assertEquals(GoldReward.PENALTY, truncated.value());
        assertTrue(truncated.grammatical());
        assertFalse(truncated.terminated());
        assertEquals(Math.tanh(2.0 / 3), truncated.sentiment(), 1e-12);

        GoldReward.Score noFullStop = GOLD.score(Response.complete("the plot was wonderful"));
        assertEquals(GoldReward.PENALTY, noFullStop.value());
        assertFalse(noFullStop.grammatical());
        assertFalse(noFullStop.terminated());

        assertEquals(GoldReward.PENALTY, gold(""));
        assertEquals(GoldReward.PENALTY, gold("the plot were wonderful ."));
        assertEquals(GoldReward.PENALTY, gold("the battery was wonderful and the acting was wonderful ."));
        // the penalty is below the worst grammatical review
        assertTrue(GoldReward.PENALTY < gold("i hated it . i loathed the acting . the plot was terrible and awful ."));
    }

    @Test
    void scoreOfAProperReviewIsItsSentiment() {
        GoldReward.Score score = GOLD.score(List.of("i", "loved", "it", "."), true);
        assertTrue(score.grammatical());
        assertTrue(score.terminated());
        assertEquals(score.sentiment(), score.value());
        assertEquals(Math.tanh(2.0 / 3), score.value(), 1e-12);
    }
}
