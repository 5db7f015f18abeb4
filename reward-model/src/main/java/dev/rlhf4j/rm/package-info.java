/** Reward model: Bradley-Terry training on preference pairs, evaluation and export. */
package dev.rlhf4j.rm;
