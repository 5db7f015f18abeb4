package dev.rlhf4j.demo.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Simulated human annotators: a panel of labellers who compare two responses to a prompt and pick
 * the one they prefer, following a Bradley-Terry model on the hidden {@link GoldReward}.
 *
 * <p>Annotator {@code i} with noise temperature {@code T_i} and left bias {@code b_i}, shown
 * {@code left} and {@code right} with gold rewards {@code g_left}, {@code g_right}, picks left with
 * probability
 *
 * <pre>
 * P(left) = b_i + (1 - b_i) * sigmoid((g_left - g_right) / T_i)
 * </pre>
 *
 * <p>so a low temperature is a careful annotator, a high one a noisy one, and {@code b_i > 0} is a
 * position bias: with probability {@code b_i} the annotator takes the first-shown response without
 * reading. Each pair is labelled by {@code minAnnotatorsPerPair..maxAnnotatorsPerPair} distinct
 * annotators drawn from the panel (so agreement statistics are meaningful); each of them skips the
 * task (a cancelled annotation, as Label Studio records it) with probability {@code cancelRate}.
 * With {@code shuffleSides} each pair's display order is a fair coin flip, so position bias does
 * not line up with whichever response the caller happened to put first.
 *
 * <p>The result exports as a real Label Studio JSON export of a pairwise project
 * ({@link Labelling#toLabelStudioJson()}); the gold ordering of each pair is kept beside it for
 * measurement. Everything is deterministic given the seed.
 */
public final class SimulatedAnnotators {

    /** A side of the pairwise view, with Label Studio's value: "left" is the first candidate. */
    public enum Side {
        LEFT("left"),
        RIGHT("right");

        private final String value;

        Side(String value) {
            this.value = value;
        }

        /** {@code "left"} or {@code "right"}, as in Label Studio's {@code value.selected}. */
        public String value() {
            return value;
        }
    }

    /**
     * One simulated annotator.
     *
     * @param userId the Label Studio user id written as {@code completed_by}
     * @param name a short description for reports, e.g. {@code "careful"}
     * @param temperature Bradley-Terry noise temperature, positive; higher is noisier
     * @param leftBias probability of picking the left (first-shown) response without comparing, in [0, 1)
     */
    public record Annotator(int userId, String name, double temperature, double leftBias) {
        public Annotator {
            Objects.requireNonNull(name, "name");
            Checks.atLeast("annotator.user_id", userId, 1);
            Checks.positive("annotator.temperature", temperature);
            Checks.between("annotator.left_bias", leftBias, 0, 0.999);
        }

        /** P(this annotator picks left) given the two gold rewards. */
        public double probabilityLeft(double goldLeft, double goldRight) {
            double bt = 1.0 / (1.0 + Math.exp(-(goldLeft - goldRight) / temperature));
            return leftBias + (1 - leftBias) * bt;
        }
    }

    /**
     * How pairs are labelled.
     *
     * @param panel the annotators, distinct user ids
     * @param minAnnotatorsPerPair fewest annotators per pair, at least 1
     * @param maxAnnotatorsPerPair most annotators per pair, at most the panel size
     * @param cancelRate probability that an assigned annotator skips the task, in [0, 1)
     * @param shuffleSides whether to show each pair in a random order (else {@code first} is left)
     */
    public record Settings(
            List<Annotator> panel,
            int minAnnotatorsPerPair,
            int maxAnnotatorsPerPair,
            double cancelRate,
            boolean shuffleSides) {
        public Settings {
            panel = List.copyOf(panel);
            Checks.atLeast("annotation.panel size", panel.size(), 1);
            Set<Integer> ids = new HashSet<>();
            for (Annotator annotator : panel) {
                if (!ids.add(annotator.userId())) {
                    throw new IllegalArgumentException(
                            "annotation.panel user ids must be distinct, but " + annotator.userId() + " appears twice");
                }
            }
            Checks.between("annotation.min_annotators_per_pair", minAnnotatorsPerPair, 1, panel.size());
            Checks.between("annotation.max_annotators_per_pair", maxAnnotatorsPerPair, minAnnotatorsPerPair, panel.size());
            Checks.between("annotation.cancel_rate", cancelRate, 0, 0.999);
        }

        /**
         * Five annotators: careful (T = 0.1), steady (T = 0.25), average (T = 0.4), noisy
         * (T = 1.0), and hasty (T = 0.4 with a left bias of 0.3); two or three per pair; 3 % of
         * assignments skipped; sides shuffled.
         */
        public static Settings defaults() {
            return new Settings(
                    List.of(
                            new Annotator(1, "careful", 0.1, 0),
                            new Annotator(2, "steady", 0.25, 0),
                            new Annotator(3, "average", 0.4, 0),
                            new Annotator(4, "noisy", 1.0, 0),
                            new Annotator(5, "hasty", 0.4, 0.3)),
                    2, 3, 0.03, true);
        }
    }

    /**
     * One annotator's annotation of one task.
     *
     * @param annotationId the Label Studio annotation id
     * @param annotator who
     * @param selected the chosen side, or {@code null} exactly when {@code cancelled}
     * @param cancelled whether the annotator skipped the task ({@code was_cancelled})
     * @param leadTimeSeconds time spent, as Label Studio's {@code lead_time}
     * @param createdAt when it was submitted
     */
    public record Judgement(
            int annotationId, Annotator annotator, Side selected, boolean cancelled, double leadTimeSeconds, Instant createdAt) {
        public Judgement {
            Objects.requireNonNull(annotator, "annotator");
            Objects.requireNonNull(createdAt, "createdAt");
            if (cancelled != (selected == null)) {
                throw new IllegalArgumentException("judgement.selected must be null exactly when cancelled, but cancelled is "
                        + cancelled + " and selected is " + selected);
            }
        }
    }

    /**
     * One labelled pair, as shown: {@code left} is Label Studio's {@code answer1}.
     *
     * @param taskId the Label Studio task id
     * @param pairIndex the index of the pair in the input list
     * @param swapped whether {@code left} is the input pair's {@code second}
     * @param prompt the prompt
     * @param left the response shown first ({@code answer1})
     * @param right the response shown second ({@code answer2})
     * @param goldLeft the gold score of {@code left}
     * @param goldRight the gold score of {@code right}
     * @param judgements the annotations, in submission order, cancelled ones included
     */
    public record LabelledPair(
            int taskId,
            int pairIndex,
            boolean swapped,
            String prompt,
            Response left,
            Response right,
            GoldReward.Score goldLeft,
            GoldReward.Score goldRight,
            List<Judgement> judgements) {
        public LabelledPair {
            judgements = List.copyOf(judgements);
        }

        /** The side with the higher gold reward, empty on a gold tie. */
        public Optional<Side> goldPreferred() {
            int order = Double.compare(goldLeft.value(), goldRight.value());
            return order > 0 ? Optional.of(Side.LEFT) : order < 0 ? Optional.of(Side.RIGHT) : Optional.empty();
        }

        /** The judgements that were not cancelled. */
        public List<Judgement> submitted() {
            return judgements.stream().filter(j -> !j.cancelled()).toList();
        }
    }

    /** The labelled pairs of one run, in task order. */
    public record Labelling(List<LabelledPair> pairs) {
        public Labelling {
            pairs = List.copyOf(pairs);
        }

        /** The Label Studio JSON export: an array of tasks. */
        public ArrayNode toLabelStudioJson() {
            return LabelStudioExport.tasks(pairs);
        }

        /** Writes {@link #toLabelStudioJson()} to {@code file}, pretty-printed like Label Studio's own export. */
        public void writeLabelStudioExport(Path file) throws IOException {
            JsonFiles.writePretty(file, toLabelStudioJson());
        }

        /**
         * Writes the gold ordering, one JSON object per task: {@code task_id}, {@code pair_index},
         * {@code swapped}, {@code prompt}, {@code answer1}, {@code answer2}, {@code gold_answer1},
         * {@code gold_answer2}, {@code gold_preferred} ({@code "left"}, {@code "right"} or {@code "tie"}).
         */
        public void writeGoldOrdering(Path file) throws IOException {
            List<ObjectNode> lines = new ArrayList<>();
            for (LabelledPair pair : pairs) {
                ObjectNode line = JsonFiles.MAPPER.createObjectNode();
                line.put("task_id", pair.taskId());
                line.put("pair_index", pair.pairIndex());
                line.put("swapped", pair.swapped());
                line.put("prompt", pair.prompt());
                line.put("answer1", pair.left().text());
                line.put("answer2", pair.right().text());
                line.put("gold_answer1", pair.goldLeft().value());
                line.put("gold_answer2", pair.goldRight().value());
                line.put("gold_preferred", pair.goldPreferred().map(Side::value).orElse("tie"));
                lines.add(line);
            }
            JsonFiles.writeLines(file, lines);
        }
    }

    /** When the simulated project starts; timestamps advance from here. */
    static final Instant START = Instant.parse("2024-06-03T09:00:00Z");

    private final Settings settings;
    private final GoldReward gold;

    public SimulatedAnnotators(Settings settings, GoldReward gold) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.gold = Objects.requireNonNull(gold, "gold");
    }

    /** The labelling settings. */
    public Settings settings() {
        return settings;
    }

    /**
     * Labels every pair. Per pair, in this order: the display order (a coin flip when
     * {@code shuffleSides}); the number of annotators; which annotators; then per annotator,
     * whether they skip, and otherwise their choice by the probability in the class comment.
     */
    public Labelling label(List<ResponsePair> pairs, long seed) {
        Random random = new Random(seed);
        List<LabelledPair> labelled = new ArrayList<>(pairs.size());
        Instant clock = START;
        int annotationId = 1;
        for (int index = 0; index < pairs.size(); index++) {
            ResponsePair pair = pairs.get(index);
            boolean swapped = settings.shuffleSides() && random.nextBoolean();
            Response left = swapped ? pair.second() : pair.first();
            Response right = swapped ? pair.first() : pair.second();
            GoldReward.Score goldLeft = gold.score(left);
            GoldReward.Score goldRight = gold.score(right);

            int count = settings.minAnnotatorsPerPair()
                    + random.nextInt(settings.maxAnnotatorsPerPair() - settings.minAnnotatorsPerPair() + 1);
            List<Annotator> chosen = new ArrayList<>(settings.panel());
            Collections.shuffle(chosen, random);
            chosen = chosen.subList(0, count);

            List<Judgement> judgements = new ArrayList<>(count);
            for (Annotator annotator : chosen) {
                boolean cancelled = random.nextDouble() < settings.cancelRate();
                Side selected = null;
                if (!cancelled) {
                    double pLeft = annotator.probabilityLeft(goldLeft.value(), goldRight.value());
                    selected = random.nextDouble() < pLeft ? Side.LEFT : Side.RIGHT;
                }
                // lead time: a short floor plus an exponential reading time, mean about 8 s
                double leadTime = Math.round((1.5 - 6.5 * Math.log(1 - random.nextDouble())) * 1000) / 1000.0;
                clock = clock.plus(Duration.ofNanos((long) (leadTime * 1e9) + random.nextInt(1_000_000) * 1000L));
                judgements.add(new Judgement(annotationId++, annotator, selected, cancelled, leadTime, clock));
            }
            labelled.add(new LabelledPair(
                    index + 1, index, swapped, pair.prompt(), left, right, goldLeft, goldRight, judgements));
        }
        return new Labelling(labelled);
    }
}
