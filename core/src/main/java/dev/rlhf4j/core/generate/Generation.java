package dev.rlhf4j.core.generate;

/**
 * What a batched generation returns, row i for prompt i. Rows are padded to the longest response.
 *
 * @param tokens generated ids (B, N), padded with the pad id after the end
 * @param mask 1 for real response tokens (up to and including the stop token), else 0 (B, N)
 * @param logProbs log-probability of each sampled token under the sampling distribution
 *     (logits / temperature, after top-k/top-p filtering), 0 at padding (B, N); all zeros from a
 *     generator made {@link Generator#withoutLogProbs()}
 * @param endedWithStop whether each sequence ended with EOS or a stop token (B)
 * @param lengths real tokens per row (B)
 */
public record Generation(long[][] tokens, int[][] mask, float[][] logProbs, boolean[] endedWithStop, int[] lengths) {

    public int batchSize() {
        return tokens.length;
    }

    /** Number of generated tokens in the batch. */
    public long tokenCount() {
        long n = 0;
        for (int l : lengths) {
            n += l;
        }
        return n;
    }

    /** Row i's real tokens. */
    public long[] response(int i) {
        return java.util.Arrays.copyOf(tokens[i], lengths[i]);
    }
}
