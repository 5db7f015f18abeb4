/**
 * Deduplication of canonical records: exact duplicates (same content-derived id) and normalised
 * duplicates (same prompt and unordered pair after NFC, lower-casing and whitespace collapsing),
 * with conflicting duplicates (the same pair labelled both ways) reported and resolved by a
 * {@link dev.rlhf4j.data.clean.ConflictRule}.
 */
package dev.rlhf4j.data.clean;
