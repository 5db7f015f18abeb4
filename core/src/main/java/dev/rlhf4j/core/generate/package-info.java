/**
 * Batched, KV-cached decoding from a causal LM: sampling (greedy, temperature, top-k, top-p, stop
 * tokens) and beam search (transformers' rules), sharing one decoding batch.
 */
package dev.rlhf4j.core.generate;
