/** Supervised fine-tuning of a pretrained causal LM on demonstrations. */
package dev.rlhf4j.sft;
