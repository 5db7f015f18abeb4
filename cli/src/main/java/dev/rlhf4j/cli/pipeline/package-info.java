/**
 * {@code rlhf4j pipeline}: the stages a YAML config names (data import, SFT, reward model and its
 * evaluation, PPO, final evaluation), each into {@code runs/<name>/<stage>/}, chained by path.
 */
package dev.rlhf4j.cli.pipeline;
