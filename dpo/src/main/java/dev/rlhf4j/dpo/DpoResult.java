package dev.rlhf4j.dpo;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a DPO run reports (the pipeline writes it to {@code done.json}).
 *
 * @param output the trained policy's directory; null when the run stopped early
 * @param steps optimizer steps done
 * @param totalSteps steps the run was to make
 * @param lossType the objective
 * @param pairs training pairs used
 * @param tiesSkipped records that were ties (no preference: left out)
 * @param tooLong pairs left out because their prompt fills {@code max_length}
 * @param trainLoss the loss of the last logged window
 * @param train the last logged window's metrics ({@link DpoMetrics})
 * @param eval the held-out metrics at the end ({@code eval/*}), empty without {@code eval_data}
 * @param pairsPerSecond training pairs per second
 */
public record DpoResult(Path output, long steps, long totalSteps, String lossType, long pairs, long tiesSkipped,
        long tooLong, double trainLoss, Map<String, Object> train, Map<String, Object> eval, double pairsPerSecond) {}
