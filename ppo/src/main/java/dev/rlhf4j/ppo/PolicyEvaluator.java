package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.generate.Generation;
import dev.rlhf4j.core.generate.Generator;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.ops.Masked;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.rm.RewardModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples responses from several policies for the same prompts and measures each: reward-model
 * score (raw and normalised), KL to the reference policy (k1 summed over the response, averaged
 * over responses, under the sampling temperature), response length, EOS rate, and any extra
 * {@link PpoTrainer.SampleMetric} (the demo's gold reward).
 */
public final class PolicyEvaluator {

    /** One policy's figures and a few of its samples. */
    public record PolicyReport(String policy, Map<String, Double> metrics, List<Map<String, Object>> samples) {}

    private PolicyEvaluator() {}

    public static List<PolicyReport> evaluate(Map<String, Path> policies, Path referenceDir, Path rewardModelDir,
            List<PromptSource.Prompt> prompts, int maxNewTokens, float temperature, long seed, int batchSize,
            List<PpoTrainer.SampleMetric> extra) {
        List<PolicyReport> out = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager();
                Tokenizer tok = Tokenizer.load(referenceDir);
                Tokenizer rmTok = Tokenizer.load(rewardModelDir);
                CausalLM reference = ModelDirectory.loadCausalLM(referenceDir, m, true);
                RewardModel rm = RewardModel.load(rewardModelDir, m)) {
            reference.setTrainable(false);
            SequenceScorer scorer = RewardModels.scorer(rm, rmTok);
            for (Map.Entry<String, Path> e : policies.entrySet()) {
                try (CausalLM policy = ModelDirectory.loadCausalLM(e.getValue(), m, true)) {
                    policy.setTrainable(false);
                    out.add(evaluateOne(e.getKey(), policy, reference, rm, scorer, tok, prompts, maxNewTokens,
                            temperature, seed, batchSize, extra, m));
                }
            }
        }
        return out;
    }

    private static PolicyReport evaluateOne(String name, CausalLM policy, CausalLM reference, RewardModel rm,
            SequenceScorer scorer, Tokenizer tok,
            List<PromptSource.Prompt> prompts, int maxNewTokens, float temperature, long seed, int batchSize,
            List<PpoTrainer.SampleMetric> extra, NDManager parent) {
        Generator generator = new Generator(policy, tok.padId(), tok.eosIds());
        double scoreSum = 0;
        double klSum = 0;
        double lengthSum = 0;
        double eosSum = 0;
        Map<String, Double> extraSums = new LinkedHashMap<>();
        List<Map<String, Object>> samples = new ArrayList<>();
        for (int start = 0; start < prompts.size(); start += batchSize) {
            List<PromptSource.Prompt> batch = prompts.subList(start, Math.min(prompts.size(), start + batchSize));
            List<long[]> tokens = batch.stream().map(PromptSource.Prompt::tokens).toList();
            try (NDManager m = parent.newSubManager()) {
                Generation g = generator.generate(tokens,
                        new SamplingConfig(maxNewTokens, temperature, 0, 1f, false, List.of(), seed + start), m);
                Rollout r = Rollout.of(tokens, g, tok.padId(), m);
                NDArray logRatio = r.logProbs(policy, temperature).sub(r.logProbs(reference, temperature)); // (B, N)
                NDArray kl = Masked.maskedSum(logRatio, r.mask(), 1); // (B)
                float[] klPerSeq = kl.toFloatArray();
                List<String> responses = new ArrayList<>();
                List<SequenceScorer.Sample> scored = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    responses.add(tok.decode(g.response(i), true));
                    scored.add(new SequenceScorer.Sample(batch.get(i), responses.get(i)));
                }
                float[] scores = scorer.scores(r.ids(), r.attentionMask(), scored).toFloatArray();
                for (int i = 0; i < batch.size(); i++) {
                    scoreSum += scores[i];
                    klSum += klPerSeq[i];
                    lengthSum += g.lengths()[i];
                    eosSum += g.endedWithStop()[i] ? 1 : 0;
                }
                List<String> promptTexts = batch.stream().map(PromptSource.Prompt::text).toList();
                Map<String, double[]> extraValues = new LinkedHashMap<>();
                for (PpoTrainer.SampleMetric metric : extra) {
                    double[] v = metric.measure(promptTexts, responses, g.endedWithStop());
                    extraValues.put(metric.name(), v);
                    double sum = 0;
                    for (double x : v) {
                        sum += x;
                    }
                    extraSums.merge(metric.name(), sum, Double::sum);
                }
                for (int i = 0; i < batch.size() && samples.size() < 6; i++) {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("prompt", batch.get(i).asJson());
                    s.put("response", responses.get(i));
                    s.put("reward_model", scores[i]);
                    for (Map.Entry<String, double[]> x : extraValues.entrySet()) {
                        s.put(x.getKey(), x.getValue()[i]);
                    }
                    samples.add(s);
                }
            }
        }
        int n = prompts.size();
        Map<String, Double> metrics = new LinkedHashMap<>();
        double raw = scoreSum / n;
        metrics.put("reward_model_raw", raw);
        metrics.put("reward_model", rm.normalization().apply(raw));
        metrics.put("kl", klSum / n);
        metrics.put("response_length", lengthSum / n);
        metrics.put("eos_rate", eosSum / n);
        extraSums.forEach((k, v) -> metrics.put(k, v / n));
        return new PolicyReport(name, metrics, samples);
    }
}
