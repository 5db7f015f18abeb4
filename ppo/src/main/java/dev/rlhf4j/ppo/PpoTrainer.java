package dev.rlhf4j.ppo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.generate.Generation;
import dev.rlhf4j.core.generate.Generator;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.ops.LogProbs;
import dev.rlhf4j.core.ops.Masked;
import dev.rlhf4j.core.ops.Scalars;
import dev.rlhf4j.core.ops.Slices;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.AdamW;
import dev.rlhf4j.core.train.Checkpoint;
import dev.rlhf4j.core.train.CheckpointManager;
import dev.rlhf4j.core.train.GradClip;
import dev.rlhf4j.core.train.LrSchedule;
import dev.rlhf4j.core.train.MetricsSink;
import dev.rlhf4j.core.train.NamedParameter;
import dev.rlhf4j.core.train.SeededRng;
import dev.rlhf4j.core.train.StepMetrics;
import dev.rlhf4j.core.train.TrainerState;
import dev.rlhf4j.rm.RewardModel;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PPO against a reward model with a per-token KL penalty to the frozen reference policy
 * (PPO-NOTES.md). One iteration, in order:
 *
 * <ol>
 *   <li>sample a batch of prompts; the policy generates responses with the KV cache;
 *   <li>score without gradients: policy and reference log-probs (logits / temperature, the
 *       temperature generation used), critic values, reward-model scores (normalised, missing-EOS
 *       rule, optional clip);
 *   <li>per-token rewards {@code −β·kl_t}, plus the score on the last real token;
 *   <li>GAE advantages and returns; whiten the advantages;
 *   <li>{@code ppo_epochs} × shuffled minibatches: clipped policy loss, clipped value loss (each
 *       model its own AdamW, global-norm clipping); stop the epochs early past {@code target_kl};
 *   <li>update β; log metrics and samples; checkpoint on schedule; stop if the ratio explodes.
 * </ol>
 *
 * <p>Dimensions: B rollouts, P prompt width, N response width, S = P + N, V vocabulary. Everything
 * an iteration creates lives in one sub-manager closed at its end; each minibatch step has its
 * own. Dropout is off in every model ({@code training = false} in every forward).
 */
public final class PpoTrainer {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The four models and the tokenizer they share.
     *
     * @param policy trained, starts from SFT
     * @param reference frozen copy of the SFT policy
     * @param reward frozen scorer of whole sequences
     * @param critic trained value model
     */
    public record Models(CausalLM policy, CausalLM reference, SequenceScorer reward, ValueModel critic,
            Tokenizer tokenizer) {}

    /** What a run ends with. */
    public record Result(int iterations, double finalScore, double finalKl, double beta, Path output, boolean stoppedEarly) {}

    /**
     * A measurement of responses logged as {@code eval/<name>} (the demo's hidden gold reward): from
     * the prompts' and responses' texts and whether each ended with EOS, one value per response.
     */
    public interface SampleMetric {
        String name();

        double[] measure(List<String> prompts, List<String> responses, boolean[] endedWithEos);
    }

    private final PpoConfig cfg;
    private final Models models;
    private final PromptSource prompts;
    private final Path runDir;
    private final List<SampleMetric> sampleMetrics;
    private List<long[]> ptxTexts = List.of(); // PPO-ptx: tokenised pretraining texts, cycled in order
    private int ptxPosition;

    public PpoTrainer(PpoConfig cfg, Models models, List<PromptSource.Prompt> prompts, Path runDir,
            List<SampleMetric> sampleMetrics) {
        this.cfg = cfg;
        this.models = models;
        this.prompts = new PromptSource(prompts, cfg.seed());
        this.runDir = runDir;
        this.sampleMetrics = List.copyOf(sampleMetrics);
    }

    /**
     * Loads the four models a config names and trains. The tokenizer is the policy's; the reference
     * and a critic that reads the policy's tokens must share it. The reward model reads text
     * ({@link RewardModels#scorer}), so it may have a tokenizer of its own.
     */
    public static Result run(PpoConfig cfg, Path runDir, List<SampleMetric> sampleMetrics) throws IOException {
        Path policyDir = Path.of(cfg.policy());
        Path rewardDir = Path.of(cfg.rewardModel() == null ? missing("reward_model") : cfg.rewardModel());
        checkSameTokenizer(policyDir, Path.of(cfg.reference()), "reference");
        switch (cfg.critic()) {
            case "shared", "policy" -> { }
            case "reward_model" -> checkSameTokenizer(policyDir, rewardDir, "reward_model");
            default -> checkSameTokenizer(policyDir, Path.of(cfg.critic()), "critic");
        }
        try (NDManager m = NDManager.newBaseManager();
                Tokenizer tok = Tokenizer.load(policyDir);
                Tokenizer rmTok = Tokenizer.load(rewardDir);
                CausalLM policy = ModelDirectory.loadCausalLM(policyDir, m, true);
                CausalLM reference = ModelDirectory.loadCausalLM(Path.of(cfg.reference()), m, true);
                RewardModel rm = RewardModel.load(rewardDir, m);
                ValueModel critic = switch (cfg.critic()) {
                    case "shared" -> new PolicyValueHead(policy, cfg.seed());
                    case "reward_model" -> RewardModels.critic(RewardModel.load(rewardDir, m), tok);
                    case "policy" -> RewardModels.critic(RewardModel.fromCausalLm(policyDir, m, cfg.seed()), tok);
                    default -> RewardModels.critic(RewardModel.load(Path.of(cfg.critic()), m), tok);
                }) {
            Models models = new Models(policy, reference, RewardModels.scorer(rm, rmTok), critic, tok);
            List<PromptSource.Prompt> prompts = PromptSource.read(Path.of(cfg.prompts()), tok, cfg.maxPromptLength());
            return new PpoTrainer(cfg, models, prompts, runDir, sampleMetrics).train();
        }
    }

    private static String missing(String key) {
        throw new IllegalArgumentException("ppo." + key + " must be set, but is: null");
    }

    /** Policy, reference and reward model must tokenise identically: compare their tokenizer.json files. */
    static void checkSameTokenizer(Path policyDir, Path otherDir, String role) throws IOException {
        Path a = policyDir.resolve("tokenizer.json");
        Path b = otherDir.resolve("tokenizer.json");
        if (!Files.exists(b)) {
            throw new IllegalArgumentException("ppo." + role + ": " + otherDir + " has no tokenizer.json to compare with "
                    + "the policy's");
        }
        if (Files.mismatch(a, b) != -1) {
            throw new IllegalArgumentException("ppo." + role + ": the tokenizer in " + otherDir + " differs from the "
                    + "policy's (" + policyDir + "); the " + (role.equals("reference") ? "reference" : "critic")
                    + " reads the policy's tokens directly, so both must use the same tokenizer.json ("
                    + (role.equals("reference") ? "use the SFT model the policy starts from" : "train the reward model"
                    + " from the same SFT model, or set ppo.critic: policy") + ")");
        }
    }

    /** Trains, resuming from the newest complete checkpoint under {@code <run>/checkpoints}. */
    public Result train() throws IOException {
        CausalLM policy = models.policy();
        CausalLM reference = models.reference();
        ValueModel critic = models.critic();
        Tokenizer tok = models.tokenizer();
        reference.setTrainable(false);
        policy.setTrainable(true);
        int positions = policy.config().maxPositions();
        if (prompts.longest() + cfg.maxNewTokens() > positions) {
            throw new IllegalArgumentException("ppo: the longest prompt (" + prompts.longest() + " tokens) plus"
                    + " ppo.max_new_tokens (" + cfg.maxNewTokens() + ") exceed the policy's " + positions
                    + " positions (max_position_embeddings); lower ppo.max_prompt_length or ppo.max_new_tokens");
        }
        float temperature = cfg.temperature().floatValue();
        // the log-probs are recomputed in the scoring phase, as TRL does, so generation skips them
        Generator generator = new Generator(policy, tok.padId(), tok.eosIds()).withoutLogProbs();
        ScoreProcessing scoreProcessing = cfg.scoreProcessing(models.reward().mean(), models.reward().std());
        Gae gae = new Gae(cfg.gamma().floatValue(), cfg.lam().floatValue());
        List<NamedParameter> policyParams = NamedParameter.trainable(policy.getParameters());
        List<NamedParameter> criticParams = critic.trainableParameters();
        LrSchedule policyLr = schedule(cfg.lr());
        LrSchedule criticLr = schedule(cfg.criticLr());
        CheckpointManager checkpoints = new CheckpointManager(runDir.resolve("checkpoints"), cfg.keepCheckpoints());
        if (cfg.ptxCoef() > 0) {
            List<long[]> texts = new ArrayList<>();
            JsonLines.forEach(Path.of(cfg.ptxData()), line -> texts.add(tok.encode(line.text("text"))));
            ptxTexts = texts;
        }
        Files.createDirectories(runDir);

        try (AdamW policyOpt = optimizer(policyParams); AdamW criticOpt = optimizer(criticParams)) {
            // 0. resume: policy, critic, both optimizers, β, RNG, prompt position
            KlController kl = cfg.klController();
            SeededRng rng = new SeededRng(cfg.seed());
            int start = 0;
            long optimizerStep = 0;
            Optional<Checkpoint> latest = checkpoints.latest();
            if (latest.isPresent()) {
                Checkpoint ck = latest.get();
                TrainerState state = ck.state();
                loadInto(policy, ck.resolve("policy"));
                loadInto(critic, ck.resolve("critic"));
                policyOpt.load(ck.resolve("policy_optimizer.ndlist"));
                criticOpt.load(ck.resolve("critic_optimizer.ndlist"));
                start = (int) state.step();
                optimizerStep = state.optimizerStep();
                rng = state.rng();
                prompts.seek(state.epoch(), (int) state.dataPosition());
                double beta = ((Number) state.extra().get("beta")).doubleValue();
                ptxPosition = ((Number) state.extra().getOrDefault("ptx_position", 0)).intValue();
                kl = kl instanceof KlController.Adaptive a
                        ? new KlController.Adaptive(beta, a.target(), a.horizon()) : KlController.fixed(beta);
                System.err.printf("ppo: resuming from %s (iteration %d)%n", ck.dir(), start);
            }
            int explodedIterations = 0;
            int skippedInARow = 0; // optimizer steps with a NaN/Inf loss or gradient norm, across iterations
            boolean stoppedEarly = false;
            double lastScore = Double.NaN;
            double lastKl = Double.NaN;
            try (MetricsSink metrics = MetricsSink.builder().setFile(runDir.resolve("metrics.jsonl"))
                    .optTotalSteps(cfg.iterations()).optResumeStep(start).build()) {
                for (int iteration = start; iteration < cfg.iterations(); iteration++) {
                    Map<String, Object> log = new LinkedHashMap<>();
                    try (NDManager it = policy.getManager().newSubManager()) {
                        // 1. prompts → responses
                        long t0 = System.nanoTime();
                        List<PromptSource.Prompt> batch = prompts.next(cfg.batchSize());
                        List<long[]> promptTokens = batch.stream().map(PromptSource.Prompt::tokens).toList();
                        Generation gen = generator.generate(promptTokens, sampling(rng.nextLong()), it);
                        Rollout r = Rollout.of(promptTokens, gen, tok.padId(), it);
                        long t1 = System.nanoTime();

                        // 2. score without gradients
                        NDArray logprobs = r.logProbs(policy, temperature); // (B, N)
                        NDArray refLogprobs = r.logProbs(reference, temperature); // (B, N)
                        NDArray values = scoped(it, r, x -> x.responseSlice(critic.values(x.ids(), x.attentionMask()))); // (B, N)
                        List<String> responseTexts = new ArrayList<>();
                        List<SequenceScorer.Sample> samples = new ArrayList<>();
                        for (int i = 0; i < gen.batchSize(); i++) {
                            responseTexts.add(tok.decode(gen.response(i), true));
                            samples.add(new SequenceScorer.Sample(batch.get(i), responseTexts.get(i)));
                        }
                        NDArray rawScores = scoped(it, r, x -> models.reward().scores(x.ids(), x.attentionMask(), samples)); // (B)
                        NDArray scores = scoreProcessing.apply(rawScores, r.hasEos()); // (B)
                        requireFiniteScores(rawScores, scores, iteration + 1, scoreProcessing);
                        long t2 = System.nanoTime();

                        // 3. per-token rewards: −β·kl_t, plus the score on the last real token
                        Rewards.TokenRewards tr = Rewards.perToken(logprobs, refLogprobs, r.mask(), scores,
                                cfg.estimator(), kl.beta());
                        NDArray rewards = cfg.whitenRewards() ? Masked.maskedWhiten(tr.rewards(), r.mask(), false) : tr.rewards();

                        // 4. advantages and returns
                        Gae.Result g = gae.compute(rewards, values, r.mask());
                        NDArray advantages = Masked.maskedWhiten(g.advantages(), r.mask());

                        // 5. PPO epochs over shuffled minibatches
                        Losses losses = new Losses();
                        boolean klStop = false;
                        for (int epoch = 0; epoch < cfg.ppoEpochs() && !klStop; epoch++) {
                            int[] order = permutation(r.batchSize(), rng);
                            for (int mb = 0; mb < cfg.numMiniBatches(); mb++) {
                                long[] rows = new long[cfg.miniBatchSize()];
                                for (int i = 0; i < rows.length; i++) {
                                    rows[i] = order[mb * rows.length + i];
                                }
                                MinibatchStats s = minibatchStep(r, rows, logprobs, values, advantages, g.returns(),
                                        temperature, it);
                                double pLr = policyLr.lr(optimizerStep);
                                double cLr = criticLr.lr(optimizerStep);
                                s.policyGradNorm = clip(policyParams);
                                s.criticGradNorm = clip(criticParams);
                                if (Double.isFinite(s.loss) && Double.isFinite(s.policyGradNorm)
                                        && Double.isFinite(s.criticGradNorm)) {
                                    policyOpt.step(pLr);
                                    criticOpt.step(cLr);
                                    optimizerStep++;
                                    skippedInARow = 0;
                                } else {
                                    // skip the update; many in a row mean the run has stopped learning
                                    losses.skipped++;
                                    skippedInARow++;
                                    if (skippedInARow >= cfg.maxSkippedSteps()) {
                                        throw new IllegalStateException(String.format(
                                                "ppo: stopped at iteration %d: %s; %d optimizer steps in a row were"
                                                        + " non-finite and skipped (max_skipped_steps %d), so the policy"
                                                        + " no longer learns. Lower lr, set max_grad_norm, or check the"
                                                        + " reward model and the critic",
                                                iteration + 1, nonFinite(s), skippedInARow, cfg.maxSkippedSteps()));
                                    }
                                    System.err.printf("ppo: warning: iteration %d, epoch %d, minibatch %d: %s; the"
                                            + " optimizer step is skipped (%d in a row)%n", iteration + 1, epoch + 1,
                                            mb + 1, nonFinite(s), skippedInARow);
                                }
                                policyOpt.zeroGrad();
                                criticOpt.zeroGrad();
                                losses.add(s, epoch == 0 && mb == 0);
                                log.put("lr/policy", pLr);
                                log.put("lr/critic", cLr);
                                if (cfg.targetKl() > 0 && s.approxKl > cfg.targetKl()) {
                                    klStop = true;
                                    break;
                                }
                            }
                        }
                        long t3 = System.nanoTime();

                        // 6. β, metrics, samples, guard rails
                        double meanKl = KlController.meanKl(tr.kl(), r.mask());
                        double k3 = Masked.maskedSum(KlEstimator.K3.apply(logprobs.sub(refLogprobs).mul(r.mask())), r.mask(), 1)
                                .mean().getFloat();
                        kl = kl.update(meanKl, r.batchSize());
                        lastKl = meanKl;
                        lastScore = rawScores.mean().getFloat();
                        List<String> promptTexts = batch.stream().map(PromptSource.Prompt::text).toList();
                        log.put("objective/kl", meanKl);
                        log.put("objective/kl_k3", k3);
                        log.put("objective/entropy", losses.entropy / Math.max(1, losses.steps));
                        log.put("objective/non_score_reward", Masked.maskedSum(tr.nonScoreReward(), r.mask(), 1).mean().getFloat());
                        log.put("objective/scores", scores.mean().getFloat());
                        log.put("objective/scores_raw", lastScore);
                        log.put("objective/rlhf_reward", Masked.maskedSum(tr.rewards(), r.mask(), 1).mean().getFloat());
                        log.put("objective/beta", kl.beta());
                        log.put("policy/approxkl", losses.approxKl / Math.max(1, losses.steps));
                        log.put("policy/clipfrac", losses.clipfrac / Math.max(1, losses.steps));
                        log.put("policy/ratio_mean", losses.ratioMean / Math.max(1, losses.steps));
                        log.put("policy/ratio_var", losses.ratioVar / Math.max(1, losses.steps));
                        log.put("policy/first_ratio_mean", losses.firstRatioMean);
                        log.put("policy/first_clipfrac", losses.firstClipfrac);
                        log.put("loss/policy", losses.pg / Math.max(1, losses.steps));
                        log.put("loss/value", losses.vf / Math.max(1, losses.steps));
                        if (cfg.ptxCoef() > 0) {
                            log.put("loss/ptx", losses.ptx / Math.max(1, losses.steps));
                        }
                        log.put("val/clipfrac", losses.vfClipfrac / Math.max(1, losses.steps));
                        log.put("val/explained_variance", PpoLosses.explainedVariance(values, g.returns(), r.mask()));
                        log.put("val/mean", Masked.maskedMean(values, r.mask()).getFloat());
                        log.put("response/length", r.mask().sum().getFloat() / r.batchSize());
                        log.put("response/eos_rate", r.hasEos().mean().getFloat());
                        log.put("train/skipped_steps", losses.skipped);
                        log.put("time/generate", (t1 - t0) / 1e9);
                        log.put("time/score", (t2 - t1) / 1e9);
                        log.put("time/train", (t3 - t2) / 1e9);
                        log.put("throughput/tokens_per_s", r.tokenCount() / ((t3 - t0) / 1e9));
                        for (SampleMetric metric : sampleMetrics) {
                            double[] v = metric.measure(promptTexts, responseTexts, gen.endedWithStop());
                            log.put("eval/" + metric.name(), java.util.Arrays.stream(v).average().orElse(Double.NaN));
                        }
                        int done = iteration + 1;
                        if (done % cfg.logEvery() == 0 || done == cfg.iterations()) {
                            metrics.log(new StepMetrics(done, losses.pg / Math.max(1, losses.steps) + cfg.vfCoef() * losses.vf
                                    / Math.max(1, losses.steps), log.get("lr/policy") instanceof Double d ? d : 0,
                                    losses.policyGradNorm / Math.max(1, losses.steps), r.tokenCount(), log));
                        }
                        if (done % cfg.sampleEvery() == 0 || done == 1 || done == cfg.iterations()) {
                            writeSamples(done, batch, responseTexts, rawScores.toFloatArray(), scores.toFloatArray(),
                                    gen.endedWithStop());
                        }
                        double noise = 3 * Math.sqrt(Masked.maskedSum(tr.kl(), r.mask(), 1).toType(
                                ai.djl.ndarray.types.DataType.FLOAT32, false).sub((float) meanKl).square().mean().getFloat()
                                / r.batchSize());
                        if (meanKl < -Math.max(noise, 1e-3)) {
                            System.err.printf("ppo: warning: mean KL %.4f is negative beyond noise (%.4f) at iteration %d; "
                                    + "generation and scoring settings (temperature, top-k/top-p) probably differ%n",
                                    meanKl, noise, done);
                        }
                        double approxKl = losses.approxKl / Math.max(1, losses.steps);
                        explodedIterations = approxKl > cfg.maxApproxKl() ? explodedIterations + 1 : 0;
                        if (explodedIterations >= cfg.approxKlPatience()) {
                            throw new IllegalStateException(String.format(
                                    "ppo: approx_kl %.3f exceeded max_approx_kl %.3f for %d iterations in a row (iteration %d): "
                                            + "the policy ratio exploded; lower lr, raise kl_coef, or reduce ppo_epochs",
                                    approxKl, cfg.maxApproxKl(), explodedIterations, done));
                        }
                        if (cfg.saveEvery() > 0 && done % cfg.saveEvery() == 0 && done < cfg.iterations()) {
                            long optStep = optimizerStep;
                            KlController klNow = kl;
                            checkpoints.save(new TrainerState(done, optStep, prompts.epoch(), prompts.index(), rng.seed(),
                                    rng.counter(), Map.of("beta", klNow.beta(), "ptx_position", ptxPosition)), dir -> {
                                        ModelDirectory.saveCausalLM(dir.resolve("policy"), policy, tok);
                                        critic.save(dir.resolve("critic"));
                                        policyOpt.save(dir.resolve("policy_optimizer.ndlist"));
                                        criticOpt.save(dir.resolve("critic_optimizer.ndlist"));
                                    });
                        }
                        if (klStop) {
                            stoppedEarly = true;
                        }
                    }
                }
            }
            Path output = cfg.output() != null ? Path.of(cfg.output()) : runDir.resolve("model");
            ModelDirectory.saveCausalLM(output, policy, tok);
            return new Result(cfg.iterations(), lastScore, lastKl, kl.beta(), output, stoppedEarly);
        }
    }


    /** Statistics of one minibatch step. */
    private static final class MinibatchStats {
        double loss;
        double pgLoss;
        double vfLoss;
        double entropy;
        double approxKl;
        double clipfrac;
        double ratioMean;
        double ratioVar;
        double vfClipfrac;
        double policyGradNorm;
        double criticGradNorm;
        double ptxLoss;
    }

    /** Running sums over an iteration's minibatch steps. */
    private static final class Losses {
        int steps;
        int skipped;
        double pg;
        double vf;
        double entropy;
        double approxKl;
        double clipfrac;
        double ratioMean;
        double ratioVar;
        double vfClipfrac;
        double policyGradNorm;
        double ptx;
        double firstRatioMean = Double.NaN;
        double firstClipfrac = Double.NaN;

        void add(MinibatchStats s, boolean first) {
            steps++;
            pg += s.pgLoss;
            vf += s.vfLoss;
            entropy += s.entropy;
            approxKl += s.approxKl;
            clipfrac += s.clipfrac;
            ratioMean += s.ratioMean;
            ratioVar += Double.isNaN(s.ratioVar) ? 0 : s.ratioVar;
            vfClipfrac += s.vfClipfrac;
            policyGradNorm += s.policyGradNorm;
            ptx += s.ptxLoss;
            if (first) {
                firstRatioMean = s.ratioMean;
                firstClipfrac = s.clipfrac;
            }
        }
    }

    /** What made a minibatch step non-finite, in words. */
    private static String nonFinite(MinibatchStats s) {
        String norms = "policy gradient norm " + s.policyGradNorm + ", critic gradient norm " + s.criticGradNorm;
        if (!Double.isFinite(s.loss)) {
            return "the loss is " + s.loss + " (" + norms + ")";
        }
        return Double.isFinite(s.policyGradNorm)
                ? "the critic gradient norm is " + s.criticGradNorm + " (loss " + s.loss + ")"
                : "the policy gradient norm is " + s.policyGradNorm + " (loss " + s.loss + ")";
    }

    /**
     * Stops before a NaN or infinite score is used: one would turn every advantage of the batch to
     * NaN through whitening, and every later step would be skipped.
     */
    private void requireFiniteScores(NDArray rawScores, NDArray scores, int iteration, ScoreProcessing processing) {
        float[] raw = rawScores.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(); // (B)
        float[] processed = scores.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(); // (B)
        for (int i = 0; i < raw.length; i++) {
            if (!Float.isFinite(raw[i])) {
                throw new IllegalStateException(String.format("ppo: stopped at iteration %d: the reward model (%s) scored"
                        + " rollout %d of %d as %s; a non-finite score would make every advantage of the batch NaN."
                        + " Check the reward model's weights and the responses it was given", iteration,
                        cfg.rewardModel(), i + 1, raw.length, raw[i]));
            }
        }
        for (int i = 0; i < processed.length; i++) {
            if (!Float.isFinite(processed[i])) {
                throw new IllegalStateException(String.format("ppo: stopped at iteration %d: normalising the score %s of"
                        + " rollout %d gave %s (%s); check the score mean and std stored with the reward model (%s)",
                        iteration, raw[i], i + 1, processed[i], processing, cfg.rewardModel()));
            }
        }
    }

    /** Forward and backward on one minibatch; gradients are left in the parameters. */
    private MinibatchStats minibatchStep(Rollout r, long[] rows, NDArray oldLogprobs, NDArray oldValues,
            NDArray advantages, NDArray returns, float temperature, NDManager parent) {
        MinibatchStats s = new MinibatchStats();
        try (NDManager m = parent.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray idx = m.create(rows);
            Rollout mb = r.rows(idx); // in m, so the minibatch's graph is freed with m
            NDArray logits = mb.responseSlice(models.policy()
                    .forward(mb.ids(), mb.attentionMask(), mb.positions(), null, false).logits()); // (b, N, V)
            NDArray newLogprobs = LogProbs.logProbsOf(logits, mb.responses(), temperature); // (b, N)
            PpoLosses.PolicyLoss pl = PpoLosses.policyLoss(newLogprobs, Rollout.take(oldLogprobs, idx),
                    Rollout.take(advantages, idx), mb.mask(), cfg.clipRange().floatValue());
            NDArray newValues = mb.responseSlice(models.critic().values(mb.ids(), mb.attentionMask())); // (b, N)
            PpoLosses.ValueLoss vl = PpoLosses.valueLoss(newValues, Rollout.take(oldValues, idx),
                    Rollout.take(returns, idx), mb.mask(), cfg.clipRangeValue().floatValue());
            NDArray entropy = PpoLosses.entropyMean(logits, mb.mask(), temperature);
            // coefficients as arrays of this scope: the backward reads them (see Scalars)
            NDArray loss = pl.pgLoss().add(vl.vfLoss().mul(Scalars.of(pl.pgLoss(), cfg.vfCoef().floatValue())));
            if (cfg.entropyCoef() > 0) {
                loss = loss.sub(entropy.mul(Scalars.of(entropy, cfg.entropyCoef().floatValue())));
            }
            if (cfg.ptxCoef() > 0) {
                NDArray ptx = ptxLoss(rows.length, m);
                s.ptxLoss = ptx.getFloat();
                loss = loss.add(ptx.mul(Scalars.of(ptx, cfg.ptxCoef().floatValue())));
            }
            gc.backward(loss);
            s.loss = loss.getFloat();
            s.pgLoss = pl.pgLoss().getFloat();
            s.vfLoss = vl.vfLoss().getFloat();
            s.entropy = entropy.getFloat();
            s.approxKl = pl.approxKl();
            s.clipfrac = pl.clipfrac();
            s.ratioMean = pl.ratioMean();
            s.ratioVar = pl.ratioVar();
            s.vfClipfrac = vl.vfClipfrac();
        }
        return s;
    }

    /**
     * PPO-ptx (InstructGPT): the policy's next-token loss on the next {@code n} pretraining texts,
     * right-padded, mean over real predicted tokens.
     */
    private NDArray ptxLoss(int n, NDManager m) {
        int width = 0;
        List<long[]> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] t = ptxTexts.get(ptxPosition++ % ptxTexts.size());
            t = java.util.Arrays.copyOf(t, Math.min(t.length, models.policy().config().maxPositions()));
            batch.add(t);
            width = Math.max(width, t.length);
        }
        long[][] ids = new long[n][width];
        float[][] mask = new float[n][width];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(ids[i], models.tokenizer().padId());
            System.arraycopy(batch.get(i), 0, ids[i], 0, batch.get(i).length);
            java.util.Arrays.fill(mask[i], 0, batch.get(i).length, 1f);
        }
        NDArray idArr = m.create(ids);
        NDArray maskArr = m.create(mask);
        NDArray logits = models.policy().forward(idArr, maskArr, null, null, false).logits(); // (n, T, V)
        NDArray logp = LogProbs.logProbsOf(Slices.along(logits, 1, 0, width - 1), idArr.get(":, 1:")); // (n, T-1)
        return Masked.maskedMean(logp, maskArr.get(":, 1:")).neg();
    }

    /** {@code f} on a copy of the rollout in a scope of its own; only the result moves to {@code target}. */
    private static NDArray scoped(NDManager target, Rollout r, java.util.function.Function<Rollout, NDArray> f) {
        try (NDManager s = target.newSubManager()) {
            NDArray out = f.apply(r.copyTo(s));
            out.attach(target);
            return out;
        }
    }

    private double clip(List<NamedParameter> params) {
        return cfg.maxGradNorm() > 0 ? GradClip.clipGlobalNorm(params, cfg.maxGradNorm()) : GradClip.globalNorm(params);
    }

    private AdamW optimizer(List<NamedParameter> params) {
        return AdamW.builder().setParameters(params).optEps(cfg.adamEps()).optWeightDecay(cfg.weightDecay()).build();
    }

    private LrSchedule schedule(double peak) {
        long total = cfg.totalOptimizerSteps();
        return switch (cfg.schedule()) {
            case "cosine" -> LrSchedule.cosine(peak, cfg.warmupSteps(), total);
            case "constant" -> LrSchedule.constant(peak, cfg.warmupSteps());
            default -> LrSchedule.linear(peak, cfg.warmupSteps(), total);
        };
    }

    private SamplingConfig sampling(long seed) {
        return new SamplingConfig(cfg.maxNewTokens(), cfg.temperature().floatValue(), cfg.topK(),
                cfg.topP().floatValue(), false, List.of(), seed);
    }

    private static int[] permutation(int n, SeededRng rng) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }

    private void writeSamples(int iteration, List<PromptSource.Prompt> prompts, List<String> responses, float[] raw, float[] scores,
            boolean[] eos) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(runDir.resolve("samples.jsonl"), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            for (int i = 0; i < Math.min(cfg.numSamples(), responses.size()); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("iteration", iteration);
                row.put("prompt", prompts.get(i).asJson());
                row.put("response", responses.get(i));
                row.put("score_raw", raw[i]);
                row.put("score", scores[i]);
                row.put("ended_with_eos", eos[i]);
                w.write(JSON.writeValueAsString(row));
                w.newLine();
            }
        }
    }

    /** Copies the weights of a saved causal LM into {@code model} (resume). */
    private static void loadInto(CausalLM model, Path dir) {
        try (NDManager m = model.getManager().newSubManager();
                CausalLM saved = ModelDirectory.loadCausalLM(dir, m, true)) {
            copyWeights(saved, model);
        }
    }

    static void copyWeights(CausalLM from, CausalLM to) {
        from.namedParameters().forEach((name, p) -> to.namedParameters().get(name).getArray().set(p.getArray().toFloatArray()));
    }

    private static void loadInto(ValueModel critic, Path dir) {
        critic.loadWeights(dir);
    }

}
