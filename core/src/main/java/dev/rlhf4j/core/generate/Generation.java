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

    /**
     * Rows padded to the longest: {@code tokens[i]} and {@code logProbs[i]} hold at least
     * {@code lengths[i]} real values; what follows becomes {@code padId} and 0.
     */
    static Generation padded(long[][] tokens, float[][] logProbs, int[] lengths, boolean[] ended, int padId) {
        int rows = tokens.length;
        int longest = 0;
        for (int l : lengths) {
            longest = Math.max(longest, l);
        }
        long[][] outTokens = new long[rows][longest];
        int[][] outMask = new int[rows][longest];
        float[][] outLogProbs = new float[rows][longest];
        for (int i = 0; i < rows; i++) {
            java.util.Arrays.fill(outTokens[i], padId);
            System.arraycopy(tokens[i], 0, outTokens[i], 0, lengths[i]);
            System.arraycopy(logProbs[i], 0, outLogProbs[i], 0, lengths[i]);
            java.util.Arrays.fill(outMask[i], 0, lengths[i], 1);
        }
        return new Generation(outTokens, outMask, outLogProbs, ended, lengths);
    }

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
