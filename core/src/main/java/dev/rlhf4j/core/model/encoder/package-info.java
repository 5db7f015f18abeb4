/**
 * Bidirectional encoders with a sequence-classification head (BERT, RoBERTa, DeBERTa-v2/v3), read
 * and written as Hugging Face {@code *ForSequenceClassification} directories. A family of its own
 * beside the decoders of {@code core.model}: no causal mask, post-LN blocks, pooling at the first
 * token. rlhf4j uses them as reward models only (they read whole texts; they cannot generate).
 */
package dev.rlhf4j.core.model.encoder;
