/**
 * Canonical preference records: importers for annotation exports and public sets, cleaning,
 * splits and agreement statistics.
 *
 * <p>Entry points for other modules: {@link dev.rlhf4j.data.PreferenceImport#run} (import files
 * into canonical JSON Lines, returning an {@link dev.rlhf4j.data.ImportSummary}) and {@link
 * dev.rlhf4j.data.PreferenceRecords#read} (stream canonical records). Sub-packages, one per
 * concept: {@code record} (the canonical record), {@code io} (streaming readers and writer),
 * {@code importers} (one class per export format), {@code clean} (deduplication), {@code split}
 * (group-aware splits) and {@code stats} (counts, biases and agreement).
 */
package dev.rlhf4j.data;
