/**
 * Offline preference optimisation: the policy learns from preference pairs directly, without a
 * reward model or sampling (DPO and its family, as TRL's DPO, CPO and ORPO trainers compute them).
 *
 * <ul>
 *   <li>{@link dev.rlhf4j.dpo.DpoConfig}: the {@code dpo:} config section, defaults documented.
 *   <li>{@link dev.rlhf4j.dpo.DpoInputs} and {@link dev.rlhf4j.dpo.DpoExample}: pairs as prompt and
 *       response ids, read as the reward model reads them (text or conversation).
 *   <li>{@link dev.rlhf4j.dpo.DpoBatch}: chosen and rejected rows of a micro-batch, and the votes'
 *       weights; {@link dev.rlhf4j.dpo.SequenceLogProbs}: a model's summed log-probs of them.
 *   <li>{@link dev.rlhf4j.dpo.DpoLoss}: sigmoid (DPO, cDPO), ipo, hinge, robust, simpo, orpo.
 *   <li>{@link dev.rlhf4j.dpo.DpoTrainer}: the run, in numbered phases, with exact resume; {@link
 *       dev.rlhf4j.dpo.DpoMetrics} the keys it logs; {@link dev.rlhf4j.dpo.DpoResult} what it reports.
 * </ul>
 */
package dev.rlhf4j.dpo;
