/** Tokenizers: Hugging Face {@code tokenizer.json} through DJL, special tokens and chat templates. */
package dev.rlhf4j.core.tokenizer;
