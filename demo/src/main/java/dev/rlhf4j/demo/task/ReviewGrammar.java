package dev.rlhf4j.demo.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The demo task's language: short lower-case product and movie reviews from a small weighted
 * context-free grammar, with a sentiment lexicon.
 *
 * <p>Examples: {@code "the acting was wonderful and the plot was clever ."}, {@code "i hated the
 * ending ."}, {@code "we ate there last week . the waiters were rather poor ."}. A review is one to
 * three sentences about one {@link Topic}; every sentence ends with {@code "."}; subjects agree
 * with their verb ({@code "the characters were"}, never {@code "the characters was"}); aspects
 * belong to the topic (no battery in a movie review). Prompts such as {@code "write a review of the
 * movie :"} come from the same grammar.
 *
 * <p>The rules and the lexicon are defined once, in {@code buildGrammar()}; generation (random
 * expansion) and {@link #isGrammatical(List)} (an Earley recogniser) both read those rules, so
 * they cannot disagree.
 *
 * <p><b>Sentiment.</b> Every sentiment-bearing word has a polarity in {-2, -1, +1, +2}
 * ({@link #polarity(String)}); the lexicon is balanced (as many words of each negative polarity as
 * of the matching positive one), so a review drawn at tone 0 is mixed with mean polarity 0.
 * Generation at tone {@code t} draws each rule with probability proportional to
 * {@code weight * exp(t * polaritySum(rule's words))}: positive tones favour positive words.
 *
 * <p>Everything is deterministic given a seed ({@link java.util.Random}, whose algorithm the JDK
 * specifies).
 */
public final class ReviewGrammar {

    /** What a review is about; each topic has its own item nouns, aspects and events. */
    public enum Topic {
        MOVIE,
        BOOK,
        PHONE,
        RESTAURANT,
        GAME;

        /** The topic's suffix in nonterminal names, e.g. {@code MOVIE} in {@code REVIEW_MOVIE}. */
        String suffix() {
            return name();
        }
    }

    /**
     * A normal distribution of generation tones: each review is drawn at tone {@code mean + sd * z},
     * z standard normal. Tone 0 gives mixed reviews, +2 almost only positive words, -2 almost only
     * negative ones.
     *
     * @param mean mean tone
     * @param sd standard deviation of the tone, at least 0
     */
    public record Tone(double mean, double sd) {
        public Tone {
            Checks.finite("tone.mean", mean);
            Checks.atLeast("tone.sd", sd, 0);
        }

        double sample(Random random) {
            return mean + sd * random.nextGaussian();
        }
    }

    /** The start symbol of reviews. */
    static final String REVIEW = "REVIEW";
    /** The start symbol of prompts. */
    static final String PROMPT = "PROMPT";

    private static final int MAX_ATTEMPTS = 1000;

    private final Map<String, Integer> lexicon;
    private final Grammar grammar;
    private final List<String> vocabulary;
    private final int longestSentence;
    private final int longestPrompt;

    private ReviewGrammar() {
        this.lexicon = buildLexicon();
        this.grammar = buildGrammar();
        this.vocabulary = List.copyOf(grammar.terminals());
        int longest = 0;
        for (Topic topic : Topic.values()) {
            longest = Math.max(longest, grammar.longestExpansion("SENTENCE_" + topic.suffix()));
        }
        this.longestSentence = longest;
        this.longestPrompt = grammar.longestExpansion(PROMPT);
        for (String word : lexicon.keySet()) {
            if (!grammar.terminals().contains(word)) {
                throw new IllegalStateException("lexicon word is not in the grammar: " + word);
            }
        }
    }

    /** The one review grammar (immutable and thread-safe). */
    public static ReviewGrammar standard() {
        return Holder.STANDARD;
    }

    /** Built on first use, after the word lists below are initialised. */
    private static final class Holder {
        static final ReviewGrammar STANDARD = new ReviewGrammar();
    }

    // ---------------------------------------------------------------------------------------
    // The lexicon and the rules: the only place the language is defined.
    // ---------------------------------------------------------------------------------------

    private static final List<String> ADJECTIVES_PLUS_2 =
            List.of("wonderful", "excellent", "brilliant", "amazing", "superb", "fantastic", "perfect");
    private static final List<String> ADJECTIVES_PLUS_1 =
            List.of("good", "nice", "clever", "beautiful", "fun", "charming", "solid", "enjoyable", "lovely");
    private static final List<String> ADJECTIVES_NEUTRAL =
            List.of("okay", "average", "ordinary", "simple", "typical", "standard");
    private static final List<String> ADJECTIVES_MINUS_1 =
            List.of("bad", "boring", "dull", "weak", "poor", "bland", "confusing", "mediocre", "annoying");
    private static final List<String> ADJECTIVES_MINUS_2 =
            List.of("terrible", "awful", "horrible", "dreadful", "pathetic", "abysmal", "appalling");
    private static final List<String> ADVERBS =
            List.of("very", "really", "quite", "rather", "so", "truly", "pretty", "fairly", "somewhat");
    /** Opinion verbs: "i loved the ending ." */
    private static final Map<String, Integer> OPINIONS = orderedMap(
            "loved", 2, "adored", 2, "enjoyed", 1, "liked", 1,
            "disliked", -1, "tolerated", -1, "hated", -2, "loathed", -2);
    /** "i would recommend it ." / "i would avoid it ." */
    private static final Map<String, Integer> RECOMMENDATIONS = orderedMap("recommend", 1, "avoid", -1);
    private static final List<String> TIMES =
            List.of("last week", "last month", "yesterday", "with friends", "with my family", "on holiday");
    private static final List<String> PROMPT_TEMPLATES = List.of(
            "write a review of the ITEM :",
            "review the ITEM :",
            "write a short review of the ITEM :",
            "what did you think of the ITEM ?",
            "tell me about the ITEM :");

    /** The words of one topic: item nouns, singular and plural aspects, neutral event clauses. */
    private record TopicWords(List<String> items, List<String> singular, List<String> plural, List<String> events) {}

    private static final Map<Topic, TopicWords> TOPICS = Map.of(
            Topic.MOVIE, new TopicWords(
                    List.of("movie", "film"),
                    List.of("acting", "plot", "story", "ending", "music", "dialogue", "cast"),
                    List.of("characters", "jokes", "effects", "scenes"),
                    List.of("i watched it TIME", "we saw it TIME")),
            Topic.BOOK, new TopicWords(
                    List.of("book", "novel"),
                    List.of("writing", "plot", "story", "ending", "style", "cover"),
                    List.of("characters", "chapters"),
                    List.of("i read it TIME")),
            Topic.PHONE, new TopicWords(
                    List.of("phone"),
                    List.of("battery", "screen", "camera", "price", "design"),
                    List.of("speakers", "buttons", "apps"),
                    List.of("i bought it TIME", "i got it TIME")),
            Topic.RESTAURANT, new TopicWords(
                    List.of("restaurant"),
                    List.of("food", "service", "staff", "price", "menu", "dessert"),
                    List.of("waiters", "portions", "drinks"),
                    List.of("we ate there TIME", "we went there TIME")),
            Topic.GAME, new TopicWords(
                    List.of("game"),
                    List.of("gameplay", "story", "music", "ending"),
                    List.of("graphics", "controls", "levels", "puzzles"),
                    List.of("i played it TIME")));

    private static Map<String, Integer> buildLexicon() {
        Map<String, Integer> lexicon = new LinkedHashMap<>();
        ADJECTIVES_PLUS_2.forEach(w -> lexicon.put(w, 2));
        ADJECTIVES_PLUS_1.forEach(w -> lexicon.put(w, 1));
        ADJECTIVES_MINUS_1.forEach(w -> lexicon.put(w, -1));
        ADJECTIVES_MINUS_2.forEach(w -> lexicon.put(w, -2));
        lexicon.putAll(OPINIONS);
        lexicon.putAll(RECOMMENDATIONS);
        return Map.copyOf(lexicon);
    }

    /**
     * The rules. Weights only shape generation (how often each construction appears); recognition
     * ignores them. Nonterminals carry the topic as a suffix, so a review never mixes topics.
     */
    private static Grammar buildGrammar() {
        Grammar.Builder g = Grammar.builder();
        for (Topic topic : Topic.values()) {
            g.rule(REVIEW, "REVIEW_" + topic.suffix());
        }
        for (Topic topic : Topic.values()) {
            g.rule(PROMPT, "PROMPT_" + topic.suffix());
        }
        for (Topic topic : Topic.values()) {
            String t = "_" + topic.suffix();
            TopicWords words = TOPICS.get(topic);
            // a review: one to three sentences
            g.rule("REVIEW" + t, 3, "SENTENCE" + t);
            g.rule("REVIEW" + t, 4, "SENTENCE" + t + " SENTENCE" + t);
            g.rule("REVIEW" + t, 2, "SENTENCE" + t + " SENTENCE" + t + " SENTENCE" + t);
            // a sentence
            g.rule("SENTENCE" + t, 5, "CLAUSE" + t + " .");                         // the plot was clever .
            g.rule("SENTENCE" + t, 3, "CLAUSE" + t + " CONJ CLAUSE" + t + " .");     // ... and the ending was dull .
            g.rule("SENTENCE" + t, 3, "i OPINION OBJECT" + t + " .");                // i loved the ending .
            g.rule("SENTENCE" + t, 2, "it COPULA_SINGULAR ADJP .");                  // it was very good .
            g.rule("SENTENCE" + t, 1, "overall it COPULA_SINGULAR ADJP .");          // overall it was okay .
            g.rule("SENTENCE" + t, 1, "i would RECOMMEND OBJECT" + t + " .");        // i would avoid this phone .
            g.rule("SENTENCE" + t, 2, "EVENT" + t + " .");                           // we ate there last week .
            // clauses with subject-verb agreement
            g.rule("CLAUSE" + t, 3, "SUBJECT" + t + " COPULA_SINGULAR ADJP");
            g.rule("CLAUSE" + t, 1, "the PLURAL" + t + " COPULA_PLURAL ADJP");
            g.rule("SUBJECT" + t, 4, "the SINGULAR" + t);
            g.rule("SUBJECT" + t, 1, "this ITEM" + t);
            g.rule("OBJECT" + t, 2, "it");
            g.rule("OBJECT" + t, 2, "the SINGULAR" + t);
            g.rule("OBJECT" + t, 1, "the PLURAL" + t);
            g.rule("OBJECT" + t, 1, "this ITEM" + t);
            words.items().forEach(w -> g.rule("ITEM" + t, w));
            words.singular().forEach(w -> g.rule("SINGULAR" + t, w));
            words.plural().forEach(w -> g.rule("PLURAL" + t, w));
            words.events().forEach(e -> g.rule("EVENT" + t, e));
            for (String template : PROMPT_TEMPLATES) {
                g.rule("PROMPT" + t, template.replace("ITEM", "ITEM" + t));
            }
        }
        TIMES.forEach(w -> g.rule("TIME", w));
        g.rule("CONJ", "and");
        g.rule("CONJ", "but");
        g.rule("COPULA_SINGULAR", 3, "was");
        g.rule("COPULA_SINGULAR", 1, "is");
        g.rule("COPULA_PLURAL", 3, "were");
        g.rule("COPULA_PLURAL", 1, "are");
        g.rule("ADJP", 4, "ADJ");                 // good
        g.rule("ADJP", 2, "ADV ADJ");             // very good
        g.rule("ADJP", 1, "ADJ and ADJ");         // clever and fun
        ADVERBS.forEach(w -> g.rule("ADV", w));
        for (List<String> adjectives : List.of(
                ADJECTIVES_PLUS_2, ADJECTIVES_PLUS_1, ADJECTIVES_NEUTRAL, ADJECTIVES_MINUS_1, ADJECTIVES_MINUS_2)) {
            adjectives.forEach(w -> g.rule("ADJ", w));
        }
        OPINIONS.keySet().forEach(w -> g.rule("OPINION", w));
        RECOMMENDATIONS.keySet().forEach(w -> g.rule("RECOMMEND", w));
        return g.build();
    }

    // ---------------------------------------------------------------------------------------
    // Queries
    // ---------------------------------------------------------------------------------------

    /** Every word reviews and prompts can use (lower-case words and punctuation), sorted. */
    public List<String> vocabulary() {
        return vocabulary;
    }

    /** The polarity of {@code word}: -2, -1, +1 or +2 for sentiment-bearing words, 0 otherwise. */
    public int polarity(String word) {
        return lexicon.getOrDefault(word, 0);
    }

    /** The length in words of the longest sentence the grammar can make; a review cap must allow it. */
    public int longestSentence() {
        return longestSentence;
    }

    /** The length in words of the longest prompt. */
    public int longestPrompt() {
        return longestPrompt;
    }

    /** Every sentiment-bearing word with its polarity. */
    public Map<String, Integer> lexicon() {
        return lexicon;
    }

    /**
     * Whether {@code words} is a review of the grammar: one to three complete sentences about one
     * topic, each ending with {@code "."}. Special tokens are not words: strip them first.
     */
    public boolean isGrammatical(List<String> words) {
        return !words.isEmpty() && grammar.recognises(REVIEW, words);
    }

    /** Whether {@code words} is a review of the grammar about {@code topic}. */
    public boolean isGrammatical(Topic topic, List<String> words) {
        return !words.isEmpty() && grammar.recognises("REVIEW_" + topic.suffix(), words);
    }

    // ---------------------------------------------------------------------------------------
    // Generation
    // ---------------------------------------------------------------------------------------

    /**
     * One review about {@code topic} drawn at the given tone, at most {@code maxWords} words long
     * (longer draws are discarded and drawn again).
     *
     * @param maxWords at least {@link #longestSentence()}, so that every one-sentence review fits
     */
    public List<String> review(Topic topic, double tone, int maxWords, Random random) {
        Checks.finite("tone", tone);
        Checks.atLeast("max_review_words", maxWords, longestSentence);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            List<String> words = new ArrayList<>();
            grammar.expand("REVIEW_" + topic.suffix(),
                    rule -> rule.weight() * Math.exp(tone * polarity(rule.rhs())), random, words);
            if (words.size() <= maxWords) {
                return List.copyOf(words);
            }
        }
        throw new IllegalStateException("no review of at most " + maxWords + " words in " + MAX_ATTEMPTS + " draws");
    }

    /** One instruction asking for a review of {@code topic}, such as {@code "review the phone :"}. */
    public List<String> prompt(Topic topic, Random random) {
        List<String> words = new ArrayList<>();
        grammar.expand("PROMPT_" + topic.suffix(), Grammar.Rule::weight, random, words);
        return List.copyOf(words);
    }

    /** The topic of a prompt made by {@link #prompt}, from its item noun. */
    public Topic topicOf(List<String> prompt) {
        for (Topic topic : Topic.values()) {
            for (String item : TOPICS.get(topic).items()) {
                if (prompt.contains(item)) {
                    return topic;
                }
            }
        }
        throw new IllegalArgumentException("prompt names no known item: " + String.join(" ", prompt));
    }

    /**
     * A pretraining corpus: {@code count} reviews (texts, words separated by one space), topics
     * uniform, tones drawn from {@code tone}.
     */
    public List<String> corpus(int count, Tone tone, int maxWords, long seed) {
        Checks.atLeast("corpus size", count, 0);
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Topic topic = randomTopic(random);
            texts.add(String.join(" ", review(topic, tone.sample(random), maxWords, random)));
        }
        return texts;
    }

    /**
     * Instruction-style demonstrations: a prompt ({@code "write a review of the movie :"}) and a
     * review of the same topic drawn at a tone from {@code tone}. The completion starts with one
     * space, so that {@code prompt + completion} is the whole text (the TRL prompt-completion
     * convention).
     */
    public List<Demonstration> demonstrations(int count, Tone tone, int maxWords, long seed) {
        Checks.atLeast("demonstration count", count, 0);
        Random random = new Random(seed);
        List<Demonstration> demonstrations = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Topic topic = randomTopic(random);
            String prompt = String.join(" ", prompt(topic, random));
            String review = String.join(" ", review(topic, tone.sample(random), maxWords, random));
            demonstrations.add(new Demonstration(prompt, " " + review));
        }
        return demonstrations;
    }

    /** {@code count} prompts (texts), topics uniform. */
    public List<String> prompts(int count, long seed) {
        Checks.atLeast("prompt count", count, 0);
        Random random = new Random(seed);
        List<String> prompts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            prompts.add(String.join(" ", prompt(randomTopic(random), random)));
        }
        return prompts;
    }

    /** Splits a text into words on whitespace; the inverse of joining with single spaces. */
    public static List<String> words(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("\\s+"));
    }

    private int polarity(List<String> symbols) {
        int sum = 0;
        for (String s : symbols) {
            sum += polarity(s);
        }
        return sum;
    }

    private static Topic randomTopic(Random random) {
        Topic[] topics = Topic.values();
        return topics[random.nextInt(topics.length)];
    }

    private static Map<String, Integer> orderedMap(Object... keysAndValues) {
        Map<String, Integer> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], (Integer) keysAndValues[i + 1]);
        }
        return map;
    }
}
