package dev.rlhf4j.ppo;

import dev.rlhf4j.core.train.TrainingStoppedException;
import java.util.Locale;

/**
 * Stops a run whose policy ratio has exploded: {@code approx_kl} above {@code max_approx_kl} for
 * {@code approx_kl_patience} iterations in a row (one noisy iteration is forgiven).
 */
final class ApproxKlGuard {

    private final double max;
    private final int patience;
    private int above;

    ApproxKlGuard(double max, int patience) {
        this.max = max;
        this.patience = patience;
    }

    /**
     * @param approxKl the iteration's mean approx_kl
     * @param iteration the iteration just finished, for the message
     * @throws TrainingStoppedException on the {@code patience}-th iteration in a row above the limit
     */
    void check(double approxKl, int iteration) {
        above = approxKl > max ? above + 1 : 0;
        if (above >= patience) {
            throw new TrainingStoppedException(String.format(Locale.ROOT,
                    "ppo: approx_kl %.3f exceeded max_approx_kl %.3f for %d iterations in a row (iteration %d): "
                            + "the policy ratio exploded; lower lr, raise kl_coef, or reduce ppo_epochs",
                    approxKl, max, above, iteration));
        }
    }
}
