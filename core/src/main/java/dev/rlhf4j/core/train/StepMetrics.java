package dev.rlhf4j.core.train;

import dev.rlhf4j.core.util.Checks;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one logging step reports to {@link MetricsSink}.
 *
 * @param step the training step (optimizer updates, skipped ones included)
 * @param loss the loss, averaged over the steps since the previous log line
 * @param lr the learning rate of the last update
 * @param gradNorm the global gradient norm before clipping, of the last update
 * @param tokens tokens processed since the previous log line; the sink turns it into {@code
 *     tokens_per_s}
 * @param extra the stage's own metrics ({@code objective/kl}, {@code policy/clipfrac}, ...): numbers,
 *     strings or booleans, written after the standard keys in key order
 */
public record StepMetrics(long step, double loss, double lr, double gradNorm, long tokens, Map<String, Object> extra) {

    public StepMetrics {
        Checks.nonNegative("step", step);
        Checks.nonNegative("tokens", tokens);
        extra = Map.copyOf(new TreeMap<>(Checks.notNull("extra", extra)));
    }

    /** Metrics without stage-specific keys. */
    public StepMetrics(long step, double loss, double lr, double gradNorm, long tokens) {
        this(step, loss, lr, gradNorm, tokens, Map.of());
    }

    /** A copy with more stage-specific keys. */
    public StepMetrics with(Map<String, ?> more) {
        Map<String, Object> all = new TreeMap<>(extra);
        all.putAll(more);
        return new StepMetrics(step, loss, lr, gradNorm, tokens, all);
    }
}
