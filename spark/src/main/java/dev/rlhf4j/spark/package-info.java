/**
 * Apache Spark jobs over the single-machine code: {@link dev.rlhf4j.spark.ImportJob} (many export
 * files to canonical JSON Lines, with the same deduplication and accounting) and {@link
 * dev.rlhf4j.spark.ScoreJob} (a reward model over a large file, one model per task slot). Training
 * is not here: it stays on one machine.
 */
package dev.rlhf4j.spark;
