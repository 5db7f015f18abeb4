package dev.rlhf4j.core.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.util.Checks;
import java.util.List;

/**
 * Perplexity as transformers' causal-LM loss computes it: each text scored on its own tokens
 * (labels shifted by one, so a text of n tokens scores n-1), the mean negative log-likelihood
 * taken over all scored tokens, and perplexity = exp(mean NLL).
 */
public final class Perplexity {
    private Perplexity() {}

    /** The result over a set of texts. */
    public record Result(long tokensScored, double meanNll, double perplexity) {}

    /** Scores token sequences in right-padded batches of {@code batchSize}. */
    public static Result compute(CausalLM model, List<long[]> texts, int batchSize, int padId, NDManager parent) {
        Checks.positive("batch_size", batchSize);
        double nll = 0;
        long tokens = 0;
        for (int start = 0; start < texts.size(); start += batchSize) {
            List<long[]> batch = texts.subList(start, Math.min(texts.size(), start + batchSize));
            int width = batch.stream().mapToInt(t -> t.length).max().orElse(0);
            if (width < 2) {
                continue;
            }
            long[][] ids = new long[batch.size()][width];
            long[][] mask = new long[batch.size()][width];
            for (int i = 0; i < batch.size(); i++) {
                java.util.Arrays.fill(ids[i], padId);
                System.arraycopy(batch.get(i), 0, ids[i], 0, batch.get(i).length);
                java.util.Arrays.fill(mask[i], 0, batch.get(i).length, 1);
            }
            try (NDManager m = parent.newSubManager()) {
                NDArray idArr = m.create(ids);
                NDArray maskArr = m.create(mask);
                NDArray logits = model.forward(idArr, maskArr, null, null, false).logits(); // (B, T, V)
                NDArray logp = logits.get(":, :-1").logSoftmax(-1);
                NDArray tokenLogp = logp.gather(idArr.get(":, 1:").expandDims(-1), 2).squeeze(-1); // (B, T-1)
                NDArray counted = maskArr.get(":, 1:").toType(DataType.FLOAT32, false);
                nll -= tokenLogp.mul(counted).sum().toType(DataType.FLOAT64, false).getDouble();
                tokens += (long) counted.sum().getFloat();
            }
        }
        double mean = tokens == 0 ? Double.NaN : nll / tokens;
        return new Result(tokens, mean, Math.exp(mean));
    }
}
