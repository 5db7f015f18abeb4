/** PNG line plots of the series in a run's {@code metrics.jsonl} files. */
package dev.rlhf4j.pipeline.report;
