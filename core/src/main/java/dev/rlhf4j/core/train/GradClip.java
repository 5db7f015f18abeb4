package dev.rlhf4j.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.rlhf4j.core.util.Checks;
import java.util.List;

/**
 * Gradient clipping at a global L2 norm, as {@code torch.nn.utils.clip_grad_norm_} (DJL has
 * none):
 *
 * <pre>
 *   total_norm = || ( ||g_1||_2, ..., ||g_n||_2 ) ||_2      over all parameters with a gradient
 *   clip_coef  = min(1, max_norm / (total_norm + 1e-6))
 *   g_i        = g_i * clip_coef                           (in place)
 * </pre>
 *
 * <p>One difference from torch: when the total norm is NaN or infinite the gradients are left
 * untouched (torch multiplies them by NaN). Such a step is skipped by {@link NonFiniteGuard}, and
 * its gradients are zeroed, so the result is the same.
 */
public final class GradClip {

    private GradClip() {}

    /**
     * The global L2 norm of the gradients, without clipping.
     *
     * @param params the parameters; those without a gradient are left out
     * @return the norm (0 if no parameter has a gradient)
     */
    public static double globalNorm(List<NamedParameter> params) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray total = totalNorm(params);
            return total == null ? 0.0 : total.getFloat();
        }
    }

    /**
     * Clips the gradients in place so their global L2 norm is at most {@code maxNorm}.
     *
     * @param params the parameters; those without a gradient are left out
     * @param maxNorm the norm to clip to (> 0)
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(List<NamedParameter> params, double maxNorm) {
        Checks.positive("max_grad_norm", maxNorm);
        try (NDScope scope = new NDScope()) { // gradient handles and norms of this call
            scope.suppressNotUsedWarning();
            NDArray total = totalNorm(params);
            if (total == null) {
                return 0.0;
            }
            float totalNorm = total.getFloat();
            if (!Float.isFinite(totalNorm)) {
                return totalNorm;
            }
            // float32 like torch: max_norm / (total + 1e-6) evaluates as reciprocal(total + 1e-6) * max_norm
            float clipCoef = (1.0f / (totalNorm + 1e-6f)) * (float) maxNorm;
            if (clipCoef < 1.0f) { // torch multiplies by the clamped coefficient; x * 1.0f == x
                NDArray coef = total.getManager().create(clipCoef); // one array, not a Number per gradient
                for (NamedParameter p : params) {
                    NDArray g = Gradients.of(p.array());
                    if (g != null) {
                        g.muli(coef);
                    }
                }
            }
            return totalNorm;
        }
    }

    private static NDArray totalNorm(List<NamedParameter> params) {
        NDList norms = new NDList();
        for (NamedParameter p : params) {
            NDArray g = Gradients.of(p.array());
            if (g != null) {
                norms.add(g.norm()); // (), ||g||_2 over all elements
            }
        }
        if (norms.isEmpty()) {
            return null;
        }
        return NDArrays.stack(norms).norm();
    }
}
