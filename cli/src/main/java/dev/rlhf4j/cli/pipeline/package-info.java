/** {@code rlhf4j pipeline}: parses the options, then runs the stages through {@link dev.rlhf4j.pipeline.Pipeline}. */
package dev.rlhf4j.cli.pipeline;
