package dev.rlhf4j.ppo;

import dev.rlhf4j.core.tokenizer.ChatMessage;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code rlhf4j best-of-n} writes for each prompt and what it reports, in one place so that
 * every runner of {@link BestOfN} (the command, the Spark job) writes the same records.
 */
public final class BestOfNOutput {

    private BestOfNOutput() {}

    /**
     * The best sample of prompt {@code index} as an SFT record ({@code prompt}/{@code completion},
     * or {@code messages} ending with the assistant turn), with its score and all n scores.
     */
    public static Map<String, Object> bestRecord(int index, BestOfN.Result r) {
        int best = r.best();
        BestOfN.Draw d = r.draws().get(best);
        Map<String, Object> line = new LinkedHashMap<>();
        List<ChatMessage> turns = r.prompt().messages();
        if (turns == null) {
            line.put("prompt", r.prompt().text());
            line.put("completion", d.response());
        } else {
            List<Map<String, String>> messages = new ArrayList<>();
            for (ChatMessage t : turns) {
                messages.add(Map.of("role", t.role(), "content", t.content()));
            }
            messages.add(Map.of("role", "assistant", "content", d.response()));
            line.put("messages", messages);
        }
        line.put("score", d.score());
        line.put("scores", r.draws().stream().map(BestOfN.Draw::score).toList());
        line.put("ended_with_eos", d.endedWithEos());
        line.put("index", index);
        line.put("sample", best);
        return line;
    }

    /** Every sample of prompt {@code index}, as {@code rm score} reads it, with its score and rank (1 = best). */
    public static List<Map<String, Object>> sampleRecords(int index, BestOfN.Result r) {
        int[] ranks = r.ranks();
        List<Map<String, Object>> lines = new ArrayList<>();
        for (int j = 0; j < r.draws().size(); j++) {
            BestOfN.Draw d = r.draws().get(j);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("index", index);
            line.put("sample", j);
            line.put("prompt", r.prompt().asJson());
            line.put("response", d.response());
            line.put("ended_with_eos", d.endedWithEos());
            line.put("tokens", d.tokens());
            line.put("score", d.score());
            line.put("rank", ranks[j]);
            lines.add(line);
        }
        return lines;
    }

    /**
     * A sampling's counts and its best-of-k curve of the raw score (k = 1..n), summed over prompts, so
     * that parts add up: a distributed run sums its tasks' summaries.
     *
     * @param curveSum the sum over prompts of the expected raw score of the best of k, at index k − 1
     */
    public record Summary(long prompts, long samples, long endedWithEos, long bestWithoutEos, double[] curveSum)
            implements Serializable {

        private static final long serialVersionUID = 1L;

        /** One prompt's. */
        public static Summary of(BestOfN.Result r) {
            int n = r.draws().size();
            double[] scores = r.scores();
            double[] curve = new double[n];
            for (int k = 1; k <= n; k++) {
                curve[k - 1] = r.bestOf(k, scores);
            }
            long eos = r.draws().stream().filter(BestOfN.Draw::endedWithEos).count();
            return new Summary(1, n, eos, r.draws().get(r.best()).endedWithEos() ? 0 : 1, curve);
        }

        /** Both parts' (of the same n). */
        public Summary plus(Summary o) {
            if (o.curveSum.length != curveSum.length) {
                throw new IllegalArgumentException("summaries of different n: " + curveSum.length + " and "
                        + o.curveSum.length);
            }
            double[] curve = curveSum.clone();
            for (int k = 0; k < curve.length; k++) {
                curve[k] += o.curveSum[k];
            }
            return new Summary(prompts + o.prompts, samples + o.samples, endedWithEos + o.endedWithEos,
                    bestWithoutEos + o.bestWithoutEos, curve);
        }

        /** The fraction of samples that ended with EOS. */
        public double eosRate() {
            return (double) endedWithEos / samples;
        }

        /** The mean raw score of the best of k at k = 1, 2, 4, ..., n, with each k's KL_bon. */
        public String curveReport() {
            int n = curveSum.length;
            StringBuilder ks = new StringBuilder("mean raw score of the best of k:");
            for (int k = 1; k <= n; k = k < n && 2 * k > n ? n : 2 * k) {
                ks.append(String.format(Locale.ROOT, "%s k=%d %.4f (KL_bon %.3f)", k == 1 ? "" : ",", k,
                        curveSum[k - 1] / prompts, BestOfK.klBon(k)));
            }
            return ks.toString();
        }
    }
}
