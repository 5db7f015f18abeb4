/**
 * The canonical preference record: one JSON object per line with the keys {@code id, prompt, chosen,
 * rejected, tie, margin, group_id, source, split, annotators, labels, meta} (DESIGN.md), its
 * messages and per-annotator labels, and the content-derived ids and keys used for idempotent
 * re-import and deduplication.
 */
package dev.rlhf4j.data.record;
