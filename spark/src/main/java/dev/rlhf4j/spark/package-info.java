/**
 * Apache Spark jobs over the single-machine code: {@link dev.rlhf4j.spark.ImportJob} (many export
 * files to canonical JSON Lines, with the same deduplication, split and accounting), {@link
 * dev.rlhf4j.spark.ScoreJob} (a reward model over a large file, one model per task slot) and {@link
 * dev.rlhf4j.spark.EvalJob} (rm eval's report from scores computed by tasks) and {@link
 * dev.rlhf4j.spark.BestOfNJob} (best-of-n sampling, the generation batches spread over tasks).
 * Training is not here: it stays on one machine.
 */
package dev.rlhf4j.spark;
