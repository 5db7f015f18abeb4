package dev.rlhf4j.core.model.encoder;

/**
 * DeBERTa's relative positions: {@code δ(i, j) = i − j} for query i and key j, log-bucketed when
 * {@code position_buckets > 0} (transformers' {@code make_log_bucket_position}): with {@code mid =
 * buckets / 2}, distances below {@code mid} stay as they are, longer ones become {@code sign(δ) ·
 * (mid + ceil(log(|δ| / mid) / log((max − 1) / mid) · (mid − 1)))}. The arithmetic is float32, as
 * transformers computes it.
 */
final class RelativePositions {
    private RelativePositions() {}

    /** The bucketed relative position of query {@code i} to key {@code j}. */
    static long bucket(long relative, int buckets, int maxPosition) {
        if (buckets <= 0 || maxPosition <= 0) {
            return relative;
        }
        int mid = buckets / 2;
        long abs = Math.abs(relative);
        if (relative < mid && relative > -mid || abs <= mid) {
            return relative;
        }
        float ratio = (float) abs / mid;
        float logRatio = (float) Math.log(ratio);
        float logMax = (float) Math.log((float) ((maxPosition - 1) / (double) mid));
        float logPos = (float) Math.ceil(logRatio / logMax * (mid - 1)) + mid;
        return (long) (logPos * Long.signum(relative));
    }

    /**
     * The gather indices of the two disentangled terms for T tokens and span S, row-major (T, T):
     * c2p {@code clamp(δ(i, j) + S, 0, 2S − 1)}; p2c {@code clamp(−δ(i, j) + S, 0, 2S − 1)}.
     */
    static long[][] indices(int t, int span, int buckets, int maxPosition) {
        long[] c2p = new long[t * t];
        long[] p2c = new long[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                long r = bucket(i - j, buckets, maxPosition);
                c2p[i * t + j] = Math.max(0, Math.min(2L * span - 1, r + span));
                p2c[i * t + j] = Math.max(0, Math.min(2L * span - 1, -r + span));
            }
        }
        return new long[][] {c2p, p2c};
    }
}
