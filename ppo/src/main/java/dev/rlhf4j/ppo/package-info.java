/** PPO against a reward model with a per-token KL penalty to the frozen reference policy. */
package dev.rlhf4j.ppo;
