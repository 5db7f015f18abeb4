package dev.rlhf4j.ppo;

/**
 * The statistics of one PPO iteration's minibatch updates: each {@link Minibatch} adds its losses
 * and ratios; the iteration logs their means ({@link PpoMetrics}).
 */
final class IterationStats {

    /** What one minibatch's forward and backward measured. */
    static final class Minibatch {
        double loss;
        double pgLoss;
        double vfLoss;
        double entropy;
        double approxKl;
        double clipfrac;
        double ratioMean;
        double ratioVar;
        double vfClipfrac;
        double ptxLoss;
        double kl;
    }

    int steps;
    int skipped;
    double pg;
    double vf;
    double entropy;
    double approxKl;
    double clipfrac;
    double ratioMean;
    double ratioVar;
    double vfClipfrac;
    double policyGradNorm;
    double ptx;
    double kl;
    double firstRatioMean = Double.NaN;
    double firstClipfrac = Double.NaN;
    double policyLr;
    double criticLr;

    /** Adds a minibatch; the first of the iteration is on-policy, so its ratio (1) and clipfrac (0) are kept apart. */
    void add(Minibatch s, double policyGradNorm, boolean first) {
        steps++;
        pg += s.pgLoss;
        vf += s.vfLoss;
        entropy += s.entropy;
        approxKl += s.approxKl;
        clipfrac += s.clipfrac;
        ratioMean += s.ratioMean;
        ratioVar += Double.isNaN(s.ratioVar) ? 0 : s.ratioVar;
        vfClipfrac += s.vfClipfrac;
        this.policyGradNorm += policyGradNorm;
        ptx += s.ptxLoss;
        kl += s.kl;
        if (first) {
            firstRatioMean = s.ratioMean;
            firstClipfrac = s.clipfrac;
        }
    }

    /** The mean of a sum over the iteration's minibatches. */
    double mean(double sum) {
        return sum / Math.max(1, steps);
    }
}
