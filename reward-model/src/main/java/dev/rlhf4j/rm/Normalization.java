package dev.rlhf4j.rm;

import dev.rlhf4j.core.util.Checks;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The statistics a reward model's raw scores are normalised with before PPO uses them: {@code
 * (score − mean) / std} (PPO-NOTES, "Reward model": computed after training over a reference set,
 * so PPO sees mean 0 and std 1 there).
 *
 * <p>Stored in the model directory's {@code config.json} under {@value RewardModel#NORMALIZATION_KEY}
 * as {@code {"mean": m, "std": s}}; transformers keeps unknown config keys, so the directory still
 * loads there (where the scores are the raw ones).
 *
 * @param mean the raw-score mean over the reference set (finite)
 * @param std the raw-score standard deviation over the reference set (finite, > 0)
 */
public record Normalization(double mean, double std) {

    /** No normalisation: mean 0, std 1. */
    public static final Normalization IDENTITY = new Normalization(0, 1);

    public Normalization {
        Checks.finite("normalization mean", mean);
        Checks.finite("normalization std", std);
        Checks.positive("normalization std", std);
    }

    /**
     * Mean and population standard deviation (divided by n, as numpy's {@code std}) of {@code
     * scores}, summed in double precision. A constant set (std 0) gets std 1, so normalising only
     * shifts it.
     */
    public static Normalization of(float[] scores) {
        Checks.check(scores.length > 0, "normalization needs at least one score, but the reference set is empty");
        double sum = 0;
        for (float s : scores) {
            sum += s;
        }
        double mean = sum / scores.length;
        double sq = 0;
        for (float s : scores) {
            sq += (s - mean) * (s - mean);
        }
        double std = Math.sqrt(sq / scores.length);
        return new Normalization(mean, std > 0 ? std : 1.0);
    }

    /** {@code (raw − mean) / std}. */
    public double apply(double raw) {
        return (raw - mean) / std;
    }

    /** Whether this is {@link #IDENTITY}. */
    public boolean isIdentity() {
        return mean == 0 && std == 1;
    }

    /** The JSON object stored in {@code config.json}: {@code {"mean": .., "std": ..}}. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", mean);
        m.put("std", std);
        return m;
    }
}
