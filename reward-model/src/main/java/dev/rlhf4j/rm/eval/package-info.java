/**
 * Reward-model evaluation: {@link dev.rlhf4j.rm.eval.RewardEvaluator} scores labelled pairs and
 * reports strict pairwise accuracy (overall, per source and subset, by label strength and by
 * predicted margin), ROC-AUC, log-loss, Brier score and expected calibration error on
 * order-symmetrised pairs, the reward distributions, length bias, rank agreement with human scores
 * and RewardBench's section scores ({@link dev.rlhf4j.rm.eval.EvalReport}). The numerics are small
 * pure functions in {@link dev.rlhf4j.rm.eval.PairMetrics}.
 */
package dev.rlhf4j.rm.eval;
