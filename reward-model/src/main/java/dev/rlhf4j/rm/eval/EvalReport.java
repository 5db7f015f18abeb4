package dev.rlhf4j.rm.eval;

import dev.rlhf4j.rm.eval.PairMetrics.Accuracy;
import dev.rlhf4j.rm.eval.PairMetrics.Bucket;
import dev.rlhf4j.rm.eval.PairMetrics.Calibration;
import dev.rlhf4j.rm.eval.PairMetrics.CalibrationBin;
import dev.rlhf4j.rm.eval.PairMetrics.Distribution;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link RewardEvaluator} reports about a reward model on labelled pairs. Every metric is
 * over the pairs with a preference; pairs labelled as ties ({@code tie: true}) are only counted.
 * {@link #toJson} gives the JSON written by {@code rlhf4j rm eval --out} (keys below; numbers that
 * are undefined, e.g. a correlation of a constant series, are null).
 *
 * @param model the model directory's name
 * @param records pairs read
 * @param labelTies pairs labelled as ties, left out of every metric
 * @param accuracy strict pairwise accuracy ({@code r_c > r_r}; equal scores count as wrong and are
 *     counted as {@code score_ties})
 * @param bySource accuracy per record {@code source} ({@code "(none)"} when absent)
 * @param bySubset accuracy per RewardBench {@code subset} / {@code meta.subset}, when present
 * @param byLabelStrength accuracy by bucket of {@code margin}, {@code confidence} ({@code
 *     meta.confidence}) and {@code score_ratio} (human scores), for whichever the data has
 * @param byPredictedMargin accuracy by bucket of {@code |r_c − r_r|}
 * @param rocAuc ROC-AUC of {@code r_c − r_r} on order-symmetrised pairs
 * @param logLoss mean {@code −ln σ(r_c − r_r)}
 * @param brier mean {@code (1 − σ(r_c − r_r))²}
 * @param calibration ECE and reliability bins (10) of σ(r_c − r_r) on order-symmetrised pairs
 * @param chosenRewards distribution of the chosen responses' raw scores
 * @param rejectedRewards distribution of the rejected responses' raw scores
 * @param histogram shared-edge histogram of both
 * @param lengthBias correlation of score with response length and accuracy by which side is longer
 * @param humanScores rank correlations with the data's human scalar scores, or null when it has none
 * @param rewardBench RewardBench's result-file object when the data has RewardBench subsets, or null
 */
public record EvalReport(String model, long records, long labelTies, Accuracy accuracy, Map<String, Accuracy> bySource,
        Map<String, Accuracy> bySubset, Map<String, List<Bucket>> byLabelStrength, List<Bucket> byPredictedMargin,
        double rocAuc, double logLoss, double brier, Calibration calibration, Distribution chosenRewards,
        Distribution rejectedRewards, Histogram histogram, LengthBias lengthBias, HumanScores humanScores,
        Map<String, Object> rewardBench) {

    public EvalReport {
        bySource = Map.copyOf(bySource);
        bySubset = Map.copyOf(bySubset);
        byLabelStrength = Map.copyOf(byLabelStrength);
        byPredictedMargin = List.copyOf(byPredictedMargin);
    }

    /**
     * A histogram with shared edges.
     *
     * @param edges bins + 1 increasing edges; bin i is {@code [edges[i], edges[i+1])}, the last closed
     * @param chosen counts of chosen scores per bin
     * @param rejected counts of rejected scores per bin
     */
    public record Histogram(double[] edges, long[] chosen, long[] rejected) {}

    /**
     * Length bias: does the model reward length?
     *
     * @param pearson Pearson r of score and response length (characters, Unicode code points) over all
     *     responses, chosen and rejected
     * @param spearman Spearman ρ of the same
     * @param chosenLonger accuracy on pairs whose chosen response is longer
     * @param chosenShorter accuracy on pairs whose chosen response is shorter
     * @param sameLength accuracy on pairs of equal length
     */
    public record LengthBias(double pearson, double spearman, Accuracy chosenLonger, Accuracy chosenShorter,
            Accuracy sameLength) {}

    /**
     * Agreement with human scalar scores ({@code meta.chosen_score / rejected_score} or {@code
     * score_chosen / score_rejected}), over every scored response.
     *
     * @param n responses with a human score
     * @param kendallTau Kendall's τ-b of model score and human score
     * @param spearmanRho Spearman's ρ of the same
     */
    public record HumanScores(long n, double kendallTau, double spearmanRho) {}

    /** The JSON object of {@code rlhf4j rm eval --out}. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("records", records);
        m.put("label_ties_excluded", labelTies);
        m.put("pairs", accuracy.n());
        m.put("accuracy", num(accuracy.accuracy()));
        m.put("correct", accuracy.correct());
        m.put("score_ties", accuracy.ties());
        m.put("roc_auc", num(rocAuc));
        m.put("log_loss", num(logLoss));
        m.put("brier", num(brier));
        m.put("ece", num(calibration.ece()));
        m.put("by_source", accuracies(bySource));
        m.put("by_subset", accuracies(bySubset));
        Map<String, Object> strength = new LinkedHashMap<>();
        for (String key : List.of("margin", "confidence", "score_ratio")) {
            if (byLabelStrength.containsKey(key)) {
                strength.put(key, buckets(byLabelStrength.get(key)));
            }
        }
        m.put("by_label_strength", strength);
        m.put("by_predicted_margin", buckets(byPredictedMargin));
        List<Object> bins = new ArrayList<>();
        for (CalibrationBin b : calibration.bins()) {
            Map<String, Object> bin = new LinkedHashMap<>();
            bin.put("lo", b.lo());
            bin.put("hi", b.hi());
            bin.put("count", b.count());
            bin.put("confidence", num(b.confidence()));
            bin.put("accuracy", num(b.accuracy()));
            bins.add(bin);
        }
        m.put("calibration_bins", bins);
        Map<String, Object> rewards = new LinkedHashMap<>();
        rewards.put("chosen", distribution(chosenRewards));
        rewards.put("rejected", distribution(rejectedRewards));
        Map<String, Object> hist = new LinkedHashMap<>();
        hist.put("edges", histogram.edges());
        hist.put("chosen", histogram.chosen());
        hist.put("rejected", histogram.rejected());
        rewards.put("histogram", hist);
        m.put("rewards", rewards);
        Map<String, Object> length = new LinkedHashMap<>();
        length.put("pearson_score_length", num(lengthBias.pearson()));
        length.put("spearman_score_length", num(lengthBias.spearman()));
        length.put("chosen_longer", accuracy(lengthBias.chosenLonger()));
        length.put("chosen_shorter", accuracy(lengthBias.chosenShorter()));
        length.put("same_length", accuracy(lengthBias.sameLength()));
        m.put("length_bias", length);
        if (humanScores != null) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("responses", humanScores.n());
            h.put("kendall_tau", num(humanScores.kendallTau()));
            h.put("spearman_rho", num(humanScores.spearmanRho()));
            m.put("human_scores", h);
        }
        if (rewardBench != null) {
            m.put("rewardbench", rewardBench);
        }
        return m;
    }

    static Object num(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static Map<String, Object> accuracy(Accuracy a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pairs", a.n());
        m.put("correct", a.correct());
        m.put("score_ties", a.ties());
        m.put("accuracy", num(a.accuracy()));
        return m;
    }

    private static Map<String, Object> accuracies(Map<String, Accuracy> byKey) {
        Map<String, Object> m = new LinkedHashMap<>();
        byKey.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> m.put(e.getKey(), accuracy(e.getValue())));
        return m;
    }

    private static List<Object> buckets(List<Bucket> buckets) {
        List<Object> out = new ArrayList<>();
        for (Bucket b : buckets) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lo", b.lo());
            m.put("hi", b.hi());
            m.putAll(accuracy(b.accuracy()));
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> distribution(Distribution d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", d.n());
        m.put("mean", num(d.mean()));
        m.put("std", num(d.std()));
        m.put("min", num(d.min()));
        m.put("max", num(d.max()));
        Map<String, Object> q = new LinkedHashMap<>();
        for (int i = 0; i < PairMetrics.QUANTILES.length; i++) {
            q.put(String.format(java.util.Locale.ROOT, "p%02d", Math.round(PairMetrics.QUANTILES[i] * 100)),
                    num(d.quantiles()[i]));
        }
        m.put("quantiles", q);
        return m;
    }
}
