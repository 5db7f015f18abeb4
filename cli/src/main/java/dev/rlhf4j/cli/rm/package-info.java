/**
 * {@code rlhf4j rm train|eval|score}: the reward-model stage from the command line. Each command
 * parses its arguments and calls the reward-model module ({@code dev.rlhf4j.rm}).
 */
package dev.rlhf4j.cli.rm;
