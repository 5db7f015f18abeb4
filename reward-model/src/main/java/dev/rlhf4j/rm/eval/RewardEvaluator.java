package dev.rlhf4j.rm.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rlhf4j.rm.RewardScorer;
import dev.rlhf4j.rm.data.PreferencePair;
import dev.rlhf4j.rm.eval.EvalReport.HumanScores;
import dev.rlhf4j.rm.eval.EvalReport.LengthBias;
import dev.rlhf4j.rm.eval.PairMetrics.Accuracy;
import dev.rlhf4j.rm.eval.PairMetrics.Bucket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Evaluates a reward model on labelled pairs ({@link EvalReport} lists every metric), and writes
 * the report as JSON, HTML and two PNG plots.
 *
 * <pre>{@code
 * RewardScorer scorer = new RewardScorer(model, inputs, 16, manager);
 * EvalReport report = RewardEvaluator.evaluate(scorer, "my-rm", PairFiles.read(files));
 * RewardEvaluator.write(report, Path.of("report.json"), Path.of("report.html"));
 * }</pre>
 */
public final class RewardEvaluator {

    /** Bins of the reliability diagram and the ECE. */
    public static final int CALIBRATION_BINS = 10;

    /** Bins of the reward histogram. */
    public static final int HISTOGRAM_BINS = 30;

    /** A label-strength value with at most this many distinct values gets one bucket per value. */
    public static final int MAX_DISTINCT_BUCKETS = 6;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RewardEvaluator() {}

    /** Scores the pairs, then evaluates them. */
    public static EvalReport evaluate(RewardScorer scorer, String model, List<PreferencePair> pairs) {
        RewardScorer.PairScores s = scorer.scorePairs(pairs);
        return evaluate(model, pairs, s.chosen(), s.rejected());
    }

    /**
     * Evaluates given scores.
     *
     * @param chosen raw score of each pair's chosen response
     * @param rejected raw score of each pair's rejected response
     * @throws IllegalArgumentException when no pair has a preference
     */
    public static EvalReport evaluate(String model, List<PreferencePair> pairs, float[] chosen, float[] rejected) {
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            if (!pairs.get(i).tie()) {
                kept.add(i);
            }
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("nothing to evaluate: " + pairs.size() + " pairs, none with a preference"
                    + " (ties are not evaluated)");
        }
        int n = kept.size();
        List<PreferencePair> ps = new ArrayList<>(n);
        double[] c = new double[n];
        double[] r = new double[n];
        double[] delta = new double[n];
        for (int j = 0; j < n; j++) {
            int i = kept.get(j);
            ps.add(pairs.get(i));
            c[j] = chosen[i];
            r[j] = rejected[i];
            delta[j] = c[j] - r[j];
        }

        Map<String, Accuracy> bySource = grouped(ps, c, r, p -> p.source() == null ? "(none)" : p.source());
        Map<String, Accuracy> bySubset = ps.stream().anyMatch(p -> p.subset() != null)
                ? grouped(ps, c, r, p -> p.subset() == null ? "(none)" : p.subset()) : Map.of();

        Map<String, List<Bucket>> strength = new LinkedHashMap<>();
        putBuckets(strength, "margin", ps, c, r, PreferencePair::margin);
        putBuckets(strength, "confidence", ps, c, r, PreferencePair::confidence);
        putBuckets(strength, "score_ratio", ps, c, r, PreferencePair::scoreRatio);
        double[] absDelta = new double[n];
        for (int j = 0; j < n; j++) {
            absDelta[j] = Math.abs(delta[j]);
        }
        List<Bucket> byPredicted = PairMetrics.buckets(absDelta, c, r, MAX_DISTINCT_BUCKETS);

        Map<String, Object> rewardBench = null;
        Set<String> subsets = new LinkedHashSet<>(bySubset.keySet());
        if (RewardBench.covers(subsets)) {
            Map<String, Double> acc = new LinkedHashMap<>();
            bySubset.forEach((k, v) -> acc.put(k, v.accuracy()));
            rewardBench = RewardBench.resultFile(acc, model);
        }

        return new EvalReport(model, pairs.size(), pairs.size() - n, PairMetrics.accuracy(c, r), bySource, bySubset,
                strength, byPredicted, PairMetrics.pairwiseRocAuc(delta), PairMetrics.logLoss(delta),
                PairMetrics.brier(delta), PairMetrics.calibration(delta, CALIBRATION_BINS),
                PairMetrics.distribution(c), PairMetrics.distribution(r), histogram(c, r), lengthBias(ps, c, r),
                humanScores(ps, c, r), rewardBench);
    }

    private static Map<String, Accuracy> grouped(List<PreferencePair> ps, double[] c, double[] r,
            Function<PreferencePair, String> key) {
        Map<String, List<Integer>> members = new LinkedHashMap<>();
        for (int j = 0; j < ps.size(); j++) {
            members.computeIfAbsent(key.apply(ps.get(j)), k -> new ArrayList<>()).add(j);
        }
        Map<String, Accuracy> out = new LinkedHashMap<>();
        members.forEach((k, idx) -> out.put(k, PairMetrics.accuracy(pick(c, idx), pick(r, idx))));
        return out;
    }

    private static void putBuckets(Map<String, List<Bucket>> out, String name, List<PreferencePair> ps, double[] c,
            double[] r, Function<PreferencePair, Double> value) {
        List<Integer> idx = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (int j = 0; j < ps.size(); j++) {
            Double v = value.apply(ps.get(j));
            if (v != null && Double.isFinite(v)) {
                idx.add(j);
                values.add(v);
            }
        }
        if (!idx.isEmpty()) {
            out.put(name, PairMetrics.buckets(values.stream().mapToDouble(Double::doubleValue).toArray(),
                    pick(c, idx), pick(r, idx), MAX_DISTINCT_BUCKETS));
        }
    }

    private static double[] pick(double[] a, List<Integer> idx) {
        double[] out = new double[idx.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = a[idx.get(k)];
        }
        return out;
    }

    /** Equal-width bins from the smallest to the largest score of either side. */
    static EvalReport.Histogram histogram(double[] c, double[] r) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] side : new double[][] {c, r}) {
            for (double v : side) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (hi == lo) {
            hi = lo + 1;
        }
        int bins = HISTOGRAM_BINS;
        double[] edges = new double[bins + 1];
        for (int b = 0; b <= bins; b++) {
            edges[b] = lo + (hi - lo) * b / bins;
        }
        return new EvalReport.Histogram(edges, counts(c, lo, hi, bins), counts(r, lo, hi, bins));
    }

    private static long[] counts(double[] values, double lo, double hi, int bins) {
        long[] out = new long[bins];
        for (double v : values) {
            out[Math.min((int) ((v - lo) / (hi - lo) * bins), bins - 1)]++;
        }
        return out;
    }

    private static LengthBias lengthBias(List<PreferencePair> ps, double[] c, double[] r) {
        int n = ps.size();
        double[] scores = new double[2 * n];
        double[] lengths = new double[2 * n];
        List<Integer> longer = new ArrayList<>();
        List<Integer> shorter = new ArrayList<>();
        List<Integer> same = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            String ct = ps.get(j).chosenText();
            String rt = ps.get(j).rejectedText();
            int cl = ct.codePointCount(0, ct.length());
            int rl = rt.codePointCount(0, rt.length());
            scores[2 * j] = c[j];
            lengths[2 * j] = cl;
            scores[2 * j + 1] = r[j];
            lengths[2 * j + 1] = rl;
            (cl > rl ? longer : cl < rl ? shorter : same).add(j);
        }
        return new LengthBias(PairMetrics.pearson(scores, lengths), PairMetrics.spearman(scores, lengths),
                PairMetrics.accuracy(pick(c, longer), pick(r, longer)),
                PairMetrics.accuracy(pick(c, shorter), pick(r, shorter)),
                PairMetrics.accuracy(pick(c, same), pick(r, same)));
    }

    private static HumanScores humanScores(List<PreferencePair> ps, double[] c, double[] r) {
        List<Double> model = new ArrayList<>();
        List<Double> human = new ArrayList<>();
        for (int j = 0; j < ps.size(); j++) {
            double[] h = ps.get(j).humanScores();
            if (h != null) {
                model.add(c[j]);
                human.add(h[0]);
                model.add(r[j]);
                human.add(h[1]);
            }
        }
        if (model.isEmpty()) {
            return null;
        }
        double[] x = model.stream().mapToDouble(Double::doubleValue).toArray();
        double[] y = human.stream().mapToDouble(Double::doubleValue).toArray();
        return new HumanScores(x.length, PairMetrics.kendall(x, y), PairMetrics.spearman(x, y));
    }

    /**
     * Writes the report: JSON to {@code json}, HTML (plots embedded) to {@code html}, and the two
     * plots as PNG beside whichever is given, named {@code <stem>-reliability.png} and {@code
     * <stem>-rewards.png}. Either path may be null.
     *
     * @return the PNG files written
     */
    public static List<Path> write(EvalReport report, Path json, Path html) throws IOException {
        List<Path> pngs = new ArrayList<>();
        Path anchor = json != null ? json : html;
        if (anchor == null) {
            return pngs;
        }
        Path dir = anchor.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String stem = anchor.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Path reliability = dir.resolve(stem + "-reliability.png");
        Path rewards = dir.resolve(stem + "-rewards.png");
        Charts.reliability(report.calibration(), reliability);
        Charts.histogram(report.histogram(), rewards);
        pngs.add(reliability);
        pngs.add(rewards);
        if (json != null) {
            JSON.writeValue(json.toFile(), report.toJson());
        }
        if (html != null) {
            if (html.toAbsolutePath().getParent() != null) {
                Files.createDirectories(html.toAbsolutePath().getParent());
            }
            Files.writeString(html, HtmlReport.render(report, Files.readAllBytes(reliability), Files.readAllBytes(rewards)));
        }
        return pngs;
    }

    /** The report's JSON text. */
    public static String toJsonText(EvalReport report) throws IOException {
        return JSON.writeValueAsString(report.toJson());
    }
}
