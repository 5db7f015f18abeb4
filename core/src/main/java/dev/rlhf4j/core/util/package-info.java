/**
 * Small utilities. {@link dev.rlhf4j.core.util.Checks} is the one validation utility: every config
 * record and public constructor validates through it, so every message names the key and the value
 * in the same form, e.g. {@code ppo.clip_range must be between 0 and 1, but is: 1.5}. {@link
 * dev.rlhf4j.core.util.TorchProfiler} records libtorch's per-operation profile of a run.
 */
package dev.rlhf4j.core.util;
