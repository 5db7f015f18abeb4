/** Core: the decoder model, checkpoints, tokenizer, generation and training-loop parts shared by every stage. */
package dev.rlhf4j.core;
