package dev.rlhf4j.spark;

import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.rm.LineScorer;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@code rlhf4j rm score} as a Spark job: the file's lines are split among tasks; each task borrows
 * a reward model from its executor's {@link ModelPool} (loaded once per task slot) and scores its
 * lines in chunks of {@value ScoreSettings#CHUNK} with {@link LineScorer}, the command's own code,
 * so the records are the command's. The parts, concatenated, are the command's output in the same
 * order; scores agree to float rounding (a chunk's batches depend on which lines share it).
 */
public final class ScoreJob {

    private ScoreJob() {}

    /**
     * What was scored; counts are summed over the tasks' successful attempts.
     *
     * @param distinct distinct sequences per chunk, summed
     */
    public record Summary(long records, long sequences, long distinct, long tokens, double seconds) {
        public String report() {
            return String.format(Locale.ROOT, "rlhf4j spark score: %d records, %d sequences (%d distinct, %d tokens)"
                    + " in %.1f s: %.1f sequences/s", records, sequences, distinct, tokens, seconds,
                    sequences / seconds);
        }
    }

    /** A scored line (its number in the file and its JSON), or a task's counts. */
    private record Row(long number, String json, long[] counts) implements Serializable {}

    /**
     * Runs the scoring.
     *
     * @throws IllegalArgumentException when the output exists; a line that holds nothing to score
     *     fails the job with the command's message (naming file and line)
     */
    public static Summary run(JavaSparkContext sc, ScoreSettings s) {
        long start = System.nanoTime();
        if (Files.exists(Path.of(s.output()))) {
            throw new IllegalArgumentException("score.output " + s.output() + " exists: Spark writes a new directory"
                    + " of parts; remove it or name another");
        }
        JavaPairRDD<String, Long> lines = sc.textFile(s.data(), s.partitions()).zipWithIndex();
        boolean spread = lines.getNumPartitions() < s.partitions(); // an unsplittable (gzip) file
        if (spread) {
            lines = lines.repartition(s.partitions());
        }
        JavaRDD<Row> rows = lines.mapPartitions(it -> score(it, s)).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long[] counts = rows.filter(r -> r.counts() != null).map(Row::counts).fold(new long[4], (a, b) ->
                    new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]});
            JavaRDD<Row> scored = rows.filter(r -> r.json() != null);
            JavaRDD<String> out = spread
                    ? scored.mapToPair(r -> new Tuple2<>(r.number(), r.json())).sortByKey(true, s.partitions()).values()
                    : scored.map(Row::json);
            out.saveAsTextFile(s.output());
            return new Summary(counts[0], counts[1], counts[2], counts[3], (System.nanoTime() - start) / 1e9);
        } finally {
            rows.unpersist(false);
        }
    }

    /** One task: its lines through a pooled model, then a row with its counts. */
    private static Iterator<Row> score(Iterator<Tuple2<String, Long>> lines, ScoreSettings s) {
        ModelPool.Loaded m = ModelPool.borrow(s.model(), s.maxLength(), s.torchThreads());
        List<Row> out = new ArrayList<>();
        try {
            LineScorer scorer = new LineScorer(m.inputs, m.scorer(s.batchSize()));
            Path file = Path.of(s.data());
            List<Long> numbers = new ArrayList<>();
            while (lines.hasNext()) {
                Tuple2<String, Long> t = lines.next();
                long number = t._2() + 1;
                JsonLines.Line line = JsonLines.parse(file, number, t._1());
                if (line == null) {
                    continue;
                }
                scorer.add(line);
                numbers.add(number);
                if (scorer.pending() == ScoreSettings.CHUNK) {
                    flush(scorer, numbers, out);
                }
            }
            flush(scorer, numbers, out);
            out.add(new Row(-1, null, new long[] {scorer.records(), scorer.sequences(), scorer.distinct(),
                    scorer.tokens()}));
        } finally {
            ModelPool.giveBack(m);
        }
        return out.iterator();
    }

    private static void flush(LineScorer scorer, List<Long> numbers, List<Row> out) {
        List<String> json = scorer.flush();
        for (int i = 0; i < json.size(); i++) {
            out.add(new Row(numbers.get(i), json.get(i), null));
        }
        numbers.clear();
    }
}
