/**
 * Train/valid/test splits by group, never by record: records sharing a {@code group_id} (or,
 * without one, the same normalised prompt) always land in the same split, so no prompt appears
 * in two splits. Seeded; ratios configurable; existing {@code split} fields kept when asked.
 */
package dev.rlhf4j.data.split;
