package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Turns the reward model's raw scores into the scores PPO adds on the last real token (PPO-NOTES,
 * Rollouts and Per-token rewards), in this order:
 *
 * <ol>
 *   <li>normalise with the reward model's stored statistics: {@code (s − mean) / std};
 *   <li>clip to {@code ±rewardClip} (off when infinite, the default);
 *   <li>for responses that never produced EOS: {@link MissingEos#REPLACE} the score by {@code
 *       missingEosPenalty} (default −1), or {@link MissingEos#SUBTRACT} {@code missingEosPenalty}
 *       from it (TRL's rule), or {@link MissingEos#IGNORE} it.
 * </ol>
 *
 * @param mean the reward model's score mean over reference samples
 * @param std the reward model's score standard deviation, positive
 * @param rewardClip the clip bound, positive; {@link #NO_CLIP} turns clipping off
 * @param missingEos what a missing EOS does to the score
 * @param missingEosPenalty the replacement score, or the amount subtracted
 */
public record ScoreProcessing(
        float mean, float std, float rewardClip, MissingEos missingEos, float missingEosPenalty) {

    /** No clipping. */
    public static final float NO_CLIP = Float.POSITIVE_INFINITY;

    /** PPO-NOTES default: a response without EOS scores −1 after normalisation. */
    public static final float DEFAULT_MISSING_EOS_PENALTY = -1f;

    /** What happens to the score of a response that never produced EOS. */
    public enum MissingEos {
        /** The score becomes {@code missingEosPenalty} (PPO-NOTES default). */
        REPLACE,
        /** {@code missingEosPenalty} is subtracted from the score (TRL). */
        SUBTRACT,
        /** The score is kept. */
        IGNORE;

        /** The config value: {@code replace}, {@code subtract}, {@code ignore}. */
        @JsonValue
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ScoreProcessing {
        if (!Float.isFinite(mean)) {
            throw new IllegalArgumentException("reward model score mean must be finite, but is: " + mean);
        }
        if (!(std > 0) || Float.isInfinite(std)) {
            throw new IllegalArgumentException("reward model score std must be positive, but is: " + std);
        }
        if (!(rewardClip > 0)) {
            throw new IllegalArgumentException("ppo.reward_clip must be positive, but is: " + rewardClip);
        }
        if (missingEos == null) {
            throw new IllegalArgumentException(
                    "ppo.missing_eos must be one of REPLACE, SUBTRACT, IGNORE, but is: null");
        }
        if (!Float.isFinite(missingEosPenalty)) {
            throw new IllegalArgumentException("ppo.missing_eos_penalty must be finite, but is: " + missingEosPenalty);
        }
    }

    /** Normalisation with PPO-NOTES defaults: no clip, a missing EOS scores −1. */
    public static ScoreProcessing of(float mean, float std) {
        return new ScoreProcessing(mean, std, NO_CLIP, MissingEos.REPLACE, DEFAULT_MISSING_EOS_PENALTY);
    }

    /** This processing with scores clipped to {@code ±rewardClip}. */
    public ScoreProcessing withRewardClip(float rewardClip) {
        return new ScoreProcessing(mean, std, rewardClip, missingEos, missingEosPenalty);
    }

    /** This processing with another missing-EOS rule. */
    public ScoreProcessing withMissingEos(MissingEos missingEos, float missingEosPenalty) {
        return new ScoreProcessing(mean, std, rewardClip, missingEos, missingEosPenalty);
    }

    /**
     * The processed scores.
     *
     * @param rawScores (B) the reward model's scores
     * @param hasEos (B) whether each response contains EOS; boolean or 1/0
     * @return (B) float32, attached to the manager of {@code rawScores}
     */
    public NDArray apply(NDArray rawScores, NDArray hasEos) {
        NDArray scores = rawScores.toType(DataType.FLOAT32, false).sub(mean).div(std); // (B)
        if (rewardClip != NO_CLIP) {
            scores = scores.clip(-rewardClip, rewardClip);
        }
        NDArray eos = hasEos.toType(DataType.FLOAT32, false); // (B) 1 = has EOS
        NDArray missing = eos.neg().add(1f); // (B) 1 = no EOS
        return switch (missingEos) {
            case REPLACE -> scores.mul(eos).add(missing.mul(missingEosPenalty));
            case SUBTRACT -> scores.sub(missing.mul(missingEosPenalty));
            case IGNORE -> scores;
        };
    }
}
