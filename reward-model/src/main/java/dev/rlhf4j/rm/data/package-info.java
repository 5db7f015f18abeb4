/**
 * Preference pairs as the reward-model stage reads them: {@link dev.rlhf4j.rm.data.PreferencePair}
 * (a canonical preference record of the preference-data module, or a RewardBench row) and {@link
 * dev.rlhf4j.rm.data.PairFiles}, the JSON Lines reader that recognises both layouts.
 */
package dev.rlhf4j.rm.data;
