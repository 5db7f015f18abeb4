package dev.rlhf4j.spark;

import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.rm.RewardScorer;
import dev.rlhf4j.rm.data.PairFiles;
import dev.rlhf4j.rm.data.PreferencePair;
import dev.rlhf4j.rm.eval.EvalReport;
import dev.rlhf4j.rm.eval.RewardEvaluator;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * {@code rlhf4j rm eval} with the scoring as a Spark job: tasks score the file's pairs with pooled
 * models ({@link ModelPool}); the driver collects the two scores per pair (8 bytes each), reads the
 * pairs itself and builds the report with the command's {@link RewardEvaluator}, so every metric is
 * computed as the command computes it. The pairs are held by the driver, as by the command: what
 * scales is the scoring.
 */
public final class EvalJob {

    private EvalJob() {}

    /** One pair's scores, by line number. */
    private record Scored(long number, float chosen, float rejected) implements Serializable {}

    /**
     * Scores {@code s.data()} (a local file: the driver reads its pairs) and writes the report to
     * {@code json} and/or {@code html} as {@code rm eval --out/--html} does.
     */
    public static EvalReport run(JavaSparkContext sc, ScoreSettings s, Path json, Path html) {
        JavaPairRDD<String, Long> lines = sc.textFile(s.data(), s.partitions()).zipWithIndex();
        List<Scored> scored = new ArrayList<>(lines.mapPartitions(it -> score(it, s))
                .sortBy(Scored::number, true, s.partitions()).collect());
        List<PreferencePair> pairs = PairFiles.read(Path.of(s.data()));
        if (pairs.size() != scored.size()) {
            throw new IllegalStateException(s.data() + ": " + pairs.size() + " pairs read but " + scored.size()
                    + " scored");
        }
        float[] chosen = new float[pairs.size()];
        float[] rejected = new float[pairs.size()];
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = scored.get(i).chosen();
            rejected[i] = scored.get(i).rejected();
        }
        EvalReport report = RewardEvaluator.evaluate(Path.of(s.model()).toAbsolutePath().normalize().getFileName()
                .toString(), pairs, chosen, rejected);
        try {
            RewardEvaluator.write(report, json, html);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report: " + e.getMessage(), e);
        }
        return report;
    }

    /** One task: its lines' pairs scored in chunks with a pooled model. */
    private static Iterator<Scored> score(Iterator<Tuple2<String, Long>> lines, ScoreSettings s) {
        ModelPool.Loaded m = ModelPool.borrow(s.model(), s.maxLength(), s.torchThreads());
        List<Scored> out = new ArrayList<>();
        try {
            RewardScorer scorer = m.scorer(s.batchSize());
            Path file = Path.of(s.data());
            List<PreferencePair> chunk = new ArrayList<>();
            List<Long> numbers = new ArrayList<>();
            while (lines.hasNext()) {
                Tuple2<String, Long> t = lines.next();
                JsonLines.Line line = JsonLines.parse(file, t._2() + 1, t._1());
                if (line == null) {
                    continue;
                }
                chunk.add(PairFiles.parse(line.value(), line.where()));
                numbers.add(line.number());
                if (chunk.size() == ScoreSettings.CHUNK) {
                    RewardScorer.PairScores p = scorer.scorePairs(chunk);
                    for (int i = 0; i < chunk.size(); i++) {
                        out.add(new Scored(numbers.get(i), p.chosen()[i], p.rejected()[i]));
                    }
                    chunk.clear();
                    numbers.clear();
                }
            }
            if (!chunk.isEmpty()) {
                RewardScorer.PairScores p = scorer.scorePairs(chunk);
                for (int i = 0; i < chunk.size(); i++) {
                    out.add(new Scored(numbers.get(i), p.chosen()[i], p.rejected()[i]));
                }
            }
        } finally {
            ModelPool.giveBack(m);
        }
        return out.iterator();
    }
}
