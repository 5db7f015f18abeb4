package dev.rlhf4j.dpo;

import java.util.LinkedHashMap;
import java.util.Map;

/** Metric sums over pairs, added micro-batch by micro-batch and turned into {@link DpoMetrics} averages. */
final class PairSums {
    long pairs;
    double chosenRewards;
    double rejectedRewards;
    double correct;
    double logpsChosen;
    double logpsRejected;
    double logitsChosen;
    double logitsRejected;
    double chosenTokens;
    double rejectedTokens;
    double nll; // ORPO: a per-batch mean, weighted by pairs
    double logOddsRatio;
    double logOddsChosen;
    double lossTimesVotes;
    double votes;

    void add(PairSums o) {
        pairs += o.pairs;
        chosenRewards += o.chosenRewards;
        rejectedRewards += o.rejectedRewards;
        correct += o.correct;
        logpsChosen += o.logpsChosen;
        logpsRejected += o.logpsRejected;
        logitsChosen += o.logitsChosen;
        logitsRejected += o.logitsRejected;
        chosenTokens += o.chosenTokens;
        rejectedTokens += o.rejectedTokens;
        nll += o.nll;
        logOddsRatio += o.logOddsRatio;
        logOddsChosen += o.logOddsChosen;
        lossTimesVotes += o.lossTimesVotes;
        votes += o.votes;
    }

    /** The loss averaged over votes. */
    double loss() {
        return lossTimesVotes / votes;
    }

    /** The averages, keys prefixed with {@code prefix}. */
    Map<String, Object> metrics(String prefix, boolean orpo) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(prefix + DpoMetrics.REWARDS_CHOSEN, chosenRewards / pairs);
        m.put(prefix + DpoMetrics.REWARDS_REJECTED, rejectedRewards / pairs);
        m.put(prefix + DpoMetrics.REWARDS_ACCURACIES, correct / pairs);
        m.put(prefix + DpoMetrics.REWARDS_MARGINS, (chosenRewards - rejectedRewards) / pairs);
        m.put(prefix + DpoMetrics.LOGPS_CHOSEN, logpsChosen / pairs);
        m.put(prefix + DpoMetrics.LOGPS_REJECTED, logpsRejected / pairs);
        m.put(prefix + DpoMetrics.LOGITS_CHOSEN, chosenTokens > 0 ? logitsChosen / chosenTokens : 0.0);
        m.put(prefix + DpoMetrics.LOGITS_REJECTED, rejectedTokens > 0 ? logitsRejected / rejectedTokens : 0.0);
        if (orpo) {
            m.put(prefix + DpoMetrics.NLL_LOSS, nll / pairs);
            m.put(prefix + DpoMetrics.LOG_ODDS_RATIO, logOddsRatio / pairs);
            m.put(prefix + DpoMetrics.LOG_ODDS_CHOSEN, logOddsChosen / pairs);
        }
        return m;
    }
}
