/** Batched, KV-cached sampling from a causal LM: greedy, temperature, top-k, top-p, stop tokens. */
package dev.rlhf4j.core.generate;
