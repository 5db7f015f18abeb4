package dev.rlhf4j.rm.train;

import dev.rlhf4j.rm.Normalization;
import dev.rlhf4j.rm.eval.EvalReport;
import java.nio.file.Path;
import java.util.Map;

/**
 * What {@link RewardTrainer#run} did.
 *
 * @param modelDir the saved reward model directory (null when the run stopped before its last step)
 * @param steps training steps done
 * @param totalSteps training steps planned
 * @param trainPairs training pairs with a preference
 * @param trainGroups groups they form (rankings; a pair without {@code group_id} is one group)
 * @param tiesSkipped training records labelled as ties, left out of the loss
 * @param truncated sequences shortened to {@code max_length} (each time one was tokenised)
 * @param normalization the stored score normalisation (null when stopped early)
 * @param finalEval the {@code eval/*} metrics after training (empty without held-out data)
 * @param report the full evaluation on the held-out data (null without it)
 * @param pairsPerSecond training throughput of this process, pairs per second
 */
public record RewardTrainingResult(Path modelDir, long steps, long totalSteps, long trainPairs, long trainGroups,
        long tiesSkipped, long truncated, Normalization normalization, Map<String, Object> finalEval,
        EvalReport report, double pairsPerSecond) {

    public RewardTrainingResult {
        finalEval = Map.copyOf(finalEval);
    }
}
