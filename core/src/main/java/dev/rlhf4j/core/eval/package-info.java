/** Evaluations of a causal LM that need no stage: perplexity. */
package dev.rlhf4j.core.eval;
