package dev.rlhf4j.core.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Statistics over the real tokens of a padded batch, the masked_* helpers of TRL's PPO trainer.
 *
 * <p>Shapes: {@code x} and {@code mask} are {@code (B, T)} (any equal shapes work); {@code mask}
 * is 1 on real tokens and 0 elsewhere, of any numeric or boolean type. Values at masked positions
 * are ignored as long as they are finite (they are multiplied by 0, as in TRL). All results are
 * attached to the manager of {@code x} or {@code mask}.
 */
public final class Masked {

    /** Added to the standard deviation before dividing when whitening (PPO-NOTES). */
    public static final float WHITEN_EPS = 1e-8f;

    private Masked() {}

    /** {@code sum(x · mask)} over all positions: a scalar. */
    public static NDArray maskedSum(NDArray x, NDArray mask) {
        return x.mul(asType(mask, x)).sum();
    }

    /** {@code sum(x · mask)} along {@code axis}; {@code axis = 1} gives one sum per row, {@code (B)}. */
    public static NDArray maskedSum(NDArray x, NDArray mask, int axis) {
        return x.mul(asType(mask, x)).sum(new int[] {axis});
    }

    /**
     * {@code sum(x · mask) / sum(mask)}: the mean over all real tokens of the batch, a scalar. NaN
     * when the mask is empty.
     */
    public static NDArray maskedMean(NDArray x, NDArray mask) {
        NDArray m = asType(mask, x);
        return x.mul(m).sum().div(m.sum());
    }

    /**
     * The mean over real tokens along {@code axis}; {@code axis = 1} gives the per-row mean {@code
     * (B)}. NaN for a row without real tokens.
     */
    public static NDArray maskedMean(NDArray x, NDArray mask, int axis) {
        NDArray m = asType(mask, x);
        int[] axes = {axis};
        return x.mul(m).sum(axes).div(m.sum(axes));
    }

    /** The unbiased variance over all real tokens, {@link #maskedVar(NDArray, NDArray, boolean)}. */
    public static NDArray maskedVar(NDArray x, NDArray mask) {
        return maskedVar(x, mask, true);
    }

    /**
     * The variance over all real tokens, a scalar: {@code mean((x − mean(x))²)} over real tokens,
     * times {@code n / (n − 1)} when {@code unbiased} (TRL's masked_var; n = number of real
     * tokens).
     *
     * @throws IllegalArgumentException when {@code unbiased} and the mask has fewer than 2 real
     *     tokens
     */
    public static NDArray maskedVar(NDArray x, NDArray mask, boolean unbiased) {
        NDArray m = asType(mask, x);
        NDArray mean = maskedMean(x, m);
        NDArray variance = maskedMean(x.sub(mean).square(), m);
        if (!unbiased) {
            return variance;
        }
        float n = m.sum().getFloat();
        if (n < 2) {
            throw new IllegalArgumentException(
                    "the unbiased masked variance needs at least 2 real tokens, but the mask has: " + n);
        }
        return variance.mul(n / (n - 1));
    }

    /** {@link #maskedWhiten(NDArray, NDArray, boolean)} with the mean shifted to 0. */
    public static NDArray maskedWhiten(NDArray x, NDArray mask) {
        return maskedWhiten(x, mask, true);
    }

    /**
     * Whitens over the batch's real tokens (PPO-NOTES): {@code (x − mean) / (std + 1e-8)}, with
     * mean and the unbiased std over real tokens; when {@code shiftMean} is false the mean is added
     * back (used for reward whitening). Masked positions are 0 in the result.
     *
     * <p>TRL's masked_whiten multiplies by {@code rsqrt(var + 1e-8)} instead and leaves masked
     * positions for the caller to fill with 0; the two agree to ~1e-8 relative unless the variance
     * is tiny.
     *
     * @throws IllegalArgumentException when the mask has fewer than 2 real tokens
     */
    public static NDArray maskedWhiten(NDArray x, NDArray mask, boolean shiftMean) {
        NDArray m = asType(mask, x);
        NDArray mean = maskedMean(x, m);
        NDArray std = maskedVar(x, m, true).sqrt();
        NDArray whitened = x.sub(mean).div(std.add(WHITEN_EPS));
        if (!shiftMean) {
            whitened = whitened.add(mean);
        }
        return whitened.mul(m);
    }

    /** The mask in the (floating) data type of {@code x}; the mask itself when it already is. */
    static NDArray asType(NDArray mask, NDArray x) {
        DataType type = x.getDataType().isFloating() ? x.getDataType() : DataType.FLOAT32;
        return mask.toType(type, false);
    }
}
