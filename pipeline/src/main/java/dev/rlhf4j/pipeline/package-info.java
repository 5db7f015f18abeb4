/**
 * {@code rlhf4j pipeline}: the stages a YAML config names (data import, SFT, reward model and its
 * evaluation, PPO, final evaluation), each into {@code runs/<name>/<stage>/}, chained by path.
 *
 * <p>A module of its own because two users run it: the command line and the demo. Both depend on
 * it and it on neither, so the arrows stay one-way: cli → demo → pipeline → ppo → reward-model → core.
 */
package dev.rlhf4j.pipeline;
