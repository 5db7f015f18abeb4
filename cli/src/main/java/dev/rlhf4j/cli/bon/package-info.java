/**
 * {@code rlhf4j best-of-n}: rejection sampling from the command line. The command parses its
 * arguments and calls {@code dev.rlhf4j.ppo.BestOfN}.
 */
package dev.rlhf4j.cli.bon;
