package dev.rlhf4j.demo.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.demo.task.ReviewGrammar.Topic;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ReviewGrammarTest {

    private static final ReviewGrammar GRAMMAR = ReviewGrammar.standard();
    private static final ReviewGrammar.Tone MIXED = new ReviewGrammar.Tone(0, 1.5);

    private static List<String> words(String text) {
        return ReviewGrammar.words(text);
    }

    /** Reviews over every topic and a wide range of tones. */
    private static List<List<String>> sampleReviews(int count, long seed) {
        Random random = new Random(seed);
        List<List<String>> reviews = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Topic topic = Topic.values()[i % Topic.values().length];
            reviews.add(GRAMMAR.review(topic, -3 + 6 * random.nextDouble(), 40, random));
        }
        return reviews;
    }

    @Test
    void vocabularyIsSmallLowerCaseAndSorted() {
        List<String> vocabulary = GRAMMAR.vocabulary();
        assertTrue(vocabulary.size() >= 100 && vocabulary.size() <= 160, "vocabulary size " + vocabulary.size());
        for (String word : vocabulary) {
            assertTrue(word.matches("[a-z]+|[.:?]"), word);
        }
        List<String> sorted = new ArrayList<>(vocabulary);
        Collections.sort(sorted);
        assertEquals(sorted, vocabulary);
    }

    @Test
    void lexiconIsBalancedAndInTheVocabulary() {
        Map<String, Integer> lexicon = GRAMMAR.lexicon();
        Map<Integer, Long> byPolarity = lexicon.values().stream().collect(Collectors.groupingBy(p -> p, Collectors.counting()));
        assertEquals(byPolarity.get(2), byPolarity.get(-2));
        assertEquals(byPolarity.get(1), byPolarity.get(-1));
        assertEquals(Map.of(-2, 9L, -1, 12L, 1, 12L, 2, 9L), byPolarity);
        assertTrue(GRAMMAR.vocabulary().containsAll(lexicon.keySet()));
        assertEquals(2, GRAMMAR.polarity("wonderful"));
        assertEquals(-2, GRAMMAR.polarity("hated"));
        assertEquals(1, GRAMMAR.polarity("recommend"));
        assertEquals(0, GRAMMAR.polarity("the"));
        assertEquals(0, GRAMMAR.polarity("okay"));
        assertEquals(0, GRAMMAR.polarity("unknown"));
    }

    @Test
    void everyGeneratedReviewIsGrammatical() {
        for (List<String> review : sampleReviews(3000, 11)) {
            assertTrue(GRAMMAR.isGrammatical(review), String.join(" ", review));
            assertEquals(".", review.get(review.size() - 1));
        }
    }

    @Test
    void generatedReviewsStayOnTheirTopic() {
        Random random = new Random(12);
        for (Topic topic : Topic.values()) {
            for (int i = 0; i < 100; i++) {
                List<String> review = GRAMMAR.review(topic, 0, 22, random);
                assertTrue(GRAMMAR.isGrammatical(topic, review), String.join(" ", review));
            }
        }
        assertTrue(GRAMMAR.isGrammatical(Topic.PHONE, words("the battery was good .")));
        assertFalse(GRAMMAR.isGrammatical(Topic.MOVIE, words("the battery was good .")));
        assertTrue(GRAMMAR.isGrammatical(Topic.MOVIE, words("it was good .")));
        assertTrue(GRAMMAR.isGrammatical(Topic.PHONE, words("it was good .")));
    }

    @Test
    void handPickedSentences() {
        for (String good : List.of(
                "the acting was wonderful and the plot was clever .",
                "i hated the ending .",
                "we ate there last week . the waiters were rather poor .",
                "the characters were dull but the ending is brilliant .",
                "this phone is very good . i would recommend it .",
                "overall it was okay . i played it with my family . the puzzles were fun and clever .")) {
            assertTrue(GRAMMAR.isGrammatical(words(good)), good);
        }
        for (String bad : List.of(
                "",
                ".",
                "the characters was great .",              // agreement
                "the acting were great .",                 // agreement
                "great great great .",                     // word salad
                "the acting was great great .",            // two adjectives without "and"
                "i loved it",                              // no full stop
                "the battery was great and the acting was bad .", // two topics in one clause
                "i loved it . i loved it . i loved it . i loved it .", // four sentences
                "the plot was very very good .",
                "write a review of the movie :",           // a prompt is not a review
                "the acting was <unk> .")) {
            assertFalse(GRAMMAR.isGrammatical(words(bad)), bad);
        }
    }

    @Test
    void truncatedReviewsAreNotGrammatical() {
        for (List<String> review : sampleReviews(300, 13)) {
            for (int cut = 1; cut < review.size(); cut++) {
                List<String> prefix = review.subList(0, cut);
                if (!prefix.get(cut - 1).equals(".")) { // a cut at a sentence end leaves a shorter review
                    assertFalse(GRAMMAR.isGrammatical(prefix), String.join(" ", prefix));
                }
            }
        }
    }

    @Test
    void reviewsWithARepeatedWordAreNotGrammatical() {
        for (List<String> review : sampleReviews(300, 14)) {
            for (int i = 0; i < review.size(); i++) {
                List<String> repeated = new ArrayList<>(review);
                repeated.add(i, review.get(i));
                assertFalse(GRAMMAR.isGrammatical(repeated), String.join(" ", repeated));
            }
        }
    }

    @Test
    void shuffledReviewsAreAlmostNeverGrammatical() {
        Random random = new Random(15);
        int shuffled = 0;
        int accepted = 0;
        for (List<String> review : sampleReviews(1000, 16)) {
            List<String> copy = new ArrayList<>(review);
            Collections.shuffle(copy, random);
            if (copy.equals(review)) {
                continue;
            }
            shuffled++;
            if (GRAMMAR.isGrammatical(copy)) {
                accepted++; // possible: swapping two nouns or two adjectives keeps a review grammatical
            }
        }
        assertTrue(shuffled > 900);
        assertTrue(accepted <= shuffled / 100, accepted + " of " + shuffled + " shuffles accepted");
    }

    @Test
    void generationIsDeterministicGivenTheSeed() {
        assertEquals(GRAMMAR.corpus(50, MIXED, 22, 3), GRAMMAR.corpus(50, MIXED, 22, 3));
        assertNotEquals(GRAMMAR.corpus(50, MIXED, 22, 3), GRAMMAR.corpus(50, MIXED, 22, 4));
        assertEquals(GRAMMAR.demonstrations(20, MIXED, 22, 3), GRAMMAR.demonstrations(20, MIXED, 22, 3));
        assertEquals(GRAMMAR.prompts(20, 3), GRAMMAR.prompts(20, 3));
    }

    @Test
    void reviewsRespectTheWordLimit() {
        for (String text : GRAMMAR.corpus(2000, MIXED, 16, 5)) {
            assertTrue(words(text).size() <= 16, text);
        }
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> GRAMMAR.review(Topic.MOVIE, 0, 13, new Random(1)));
        assertEquals("max_review_words must be at least 14, but is: 13", tooShort.getMessage());
        assertEquals(14, GRAMMAR.longestSentence());
        assertEquals(8, GRAMMAR.longestPrompt());
    }

    @Test
    void toneShiftsSentiment() {
        double previous = Double.NEGATIVE_INFINITY;
        for (double tone : new double[] {-2, -1, 0, 1, 2}) {
            Random random = new Random(21);
            double sum = 0;
            for (int i = 0; i < 1000; i++) {
                for (String word : GRAMMAR.review(Topic.values()[i % 5], tone, 22, random)) {
                    sum += GRAMMAR.polarity(word);
                }
            }
            double mean = sum / 1000;
            assertTrue(mean > previous + 0.3, "tone " + tone + " mean polarity " + mean);
            if (tone == 0) {
                assertEquals(0, mean, 0.15);
            }
            previous = mean;
        }
    }

    @Test
    void demonstrationsPairATopicPromptWithAReviewOfThatTopic() {
        for (Demonstration d : GRAMMAR.demonstrations(300, new ReviewGrammar.Tone(0, 0.5), 22, 8)) {
            assertTrue(d.completion().startsWith(" ") && !d.completion().startsWith("  "), d.completion());
            Topic topic = GRAMMAR.topicOf(words(d.prompt()));
            assertTrue(GRAMMAR.isGrammatical(topic, words(d.completion())), d.prompt() + d.completion());
            assertTrue(words(d.prompt()).size() <= GRAMMAR.longestPrompt());
        }
    }

    @Test
    void promptsComeFromTheTemplates() {
        List<String> prompts = GRAMMAR.prompts(200, 9);
        assertTrue(prompts.contains("write a review of the movie :"));
        for (String prompt : prompts) {
            assertTrue(prompt.endsWith(" :") || prompt.endsWith(" ?"), prompt);
            assertFalse(GRAMMAR.isGrammatical(words(prompt)), prompt);
        }
        assertEquals(Topic.BOOK, GRAMMAR.topicOf(words("review the novel :")));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> GRAMMAR.topicOf(words("review the car :")));
        assertEquals("prompt names no known item: review the car :", unknown.getMessage());
    }

    @Test
    void toneValidation() {
        IllegalArgumentException sd = assertThrows(IllegalArgumentException.class, () -> new ReviewGrammar.Tone(0, -1));
        assertEquals("tone.sd must be at least 0, but is: -1", sd.getMessage());
        IllegalArgumentException mean = assertThrows(IllegalArgumentException.class,
                () -> new ReviewGrammar.Tone(Double.NaN, 1));
        assertEquals("tone.mean must be a finite number, but is: NaN", mean.getMessage());
    }

    @Test
    void wordsSplitsOnWhitespace() {
        assertEquals(List.of("i", "loved", "it", "."), words("  i loved\tit .\n"));
        assertEquals(List.of(), words("   "));
    }
}
