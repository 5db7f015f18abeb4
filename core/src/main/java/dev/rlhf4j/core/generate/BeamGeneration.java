package dev.rlhf4j.core.generate;

/**
 * What a beam search returns: for each prompt its best hypotheses, best first.
 *
 * @param sequences row {@code i * numReturnSequences + j} is prompt i's j-th best hypothesis;
 *     {@link Generation#logProbs} holds the log-softmax of each chosen token (the model's
 *     distribution, float32), rows are padded with the pad id to the longest returned hypothesis
 * @param scores each row's score: {@code sum of logProbs / length ^ length_penalty}, as
 *     transformers' {@code sequences_scores} (for one beam, where transformers runs greedy
 *     decoding and returns no score, the same formula)
 * @param numReturnSequences hypotheses per prompt
 */
public record BeamGeneration(Generation sequences, float[] scores, int numReturnSequences) {

    /** Row of prompt {@code prompt}'s {@code rank}-th best hypothesis (rank 0 = best). */
    public int row(int prompt, int rank) {
        return prompt * numReturnSequences + rank;
    }
}
