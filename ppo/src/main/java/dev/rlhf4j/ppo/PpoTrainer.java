package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.generate.Generation;
import dev.rlhf4j.core.generate.Generator;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.io.JsonLines;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.LoraAdapters;
import dev.rlhf4j.core.ops.Masked;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.AdamW;
import dev.rlhf4j.core.train.Checkpoint;
import dev.rlhf4j.core.train.CheckpointManager;
import dev.rlhf4j.core.train.ConfigChanges;
import dev.rlhf4j.core.train.LoraTraining;
import dev.rlhf4j.core.train.LrSchedule;
import dev.rlhf4j.core.train.MetricsSink;
import dev.rlhf4j.core.train.NamedParameter;
import dev.rlhf4j.core.train.NonFiniteGuard;
import dev.rlhf4j.core.train.OnConfigChange;
import dev.rlhf4j.core.train.OptimizerStep;
import dev.rlhf4j.core.train.RunHook;
import dev.rlhf4j.core.train.SeededRng;
import dev.rlhf4j.core.train.StepMetrics;
import dev.rlhf4j.core.train.TrainingStoppedException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;


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
 * <p>The same loop runs the critic-free algorithms ({@code ppo.algorithm}: {@link Algorithm}): rloo,
 * grpo and reinforce_pp sample {@code num_generations} responses per prompt, load and score no
 * critic, form their advantages as {@link Advantages} says (step 4) and have no value loss (step 5;
 * grpo adds its k3 KL term to the loss instead of the reward). Steps 1–3 and 6 are the same.
 *
 * <p>The parts: {@link PpoModels} loads the four models, {@link MinibatchUpdate} is one
 * minibatch's forward and backward, {@link dev.rlhf4j.core.train.OptimizerStep} the update of
 * policy and critic together, {@link IterationStats} and {@link PpoMetrics} what is logged, {@link
 * ApproxKlGuard} the guard rail, {@link PpoCheckpoint} the resume state.
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
     * @param critic trained value model; null (or ignored) for the critic-free algorithms
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
    private final OnConfigChange onConfigChange;

    public PpoTrainer(PpoConfig cfg, Models models, List<PromptSource.Prompt> prompts, Path runDir,
            List<SampleMetric> sampleMetrics) {
        this(cfg, models, prompts, runDir, sampleMetrics, OnConfigChange.REFUSE);
    }

    /**
     * @param onConfigChange whether a checkpoint saved with a config that differs in a key that
     *     alters the training may be resumed ({@link ConfigChanges})
     */
    public PpoTrainer(PpoConfig cfg, Models models, List<PromptSource.Prompt> prompts, Path runDir,
            List<SampleMetric> sampleMetrics, OnConfigChange onConfigChange) {
        this.cfg = cfg;
        if (!cfg.algorithm().criticFree() && models.critic() == null) {
            throw new IllegalArgumentException("ppo: algorithm ppo needs a critic (ppo.critic), but none was given");
        }
        this.models = cfg.algorithm().criticFree() // a critic passed in is not used, trained or saved
                ? new Models(models.policy(), models.reference(), models.reward(), null, models.tokenizer()) : models;
        this.prompts = new PromptSource(prompts, cfg.seed());
        this.runDir = runDir;
        this.sampleMetrics = List.copyOf(sampleMetrics);
        this.onConfigChange = onConfigChange;
    }

    /** Loads the four models a config names ({@link PpoModels}) and trains. */
    public static Result run(PpoConfig cfg, Path runDir, List<SampleMetric> sampleMetrics) throws IOException {
        return run(cfg, runDir, sampleMetrics, OnConfigChange.REFUSE);
    }

    /** As {@link #run(PpoConfig, Path, List)}, {@code onConfigChange} deciding whether a changed config may resume. */
    public static Result run(PpoConfig cfg, Path runDir, List<SampleMetric> sampleMetrics, OnConfigChange onConfigChange)
            throws IOException {
        checkOutput(cfg, runDir);
        if (onConfigChange == OnConfigChange.REFUSE) { // fail before loading four models; train() checks (and logs) again
            Optional<Checkpoint> latest = new CheckpointManager(runDir.resolve("checkpoints"), cfg.keepCheckpoints()).latest();
            if (latest.isPresent()) {
                ConfigChanges.check(latest.get(), "ppo", cfg, onConfigChange);
            }
        }
        try (PpoModels loaded = PpoModels.load(cfg, runDir)) {
            List<PromptSource.Prompt> prompts = PromptSource.read(Path.of(cfg.prompts()), loaded.models().tokenizer(),
                    cfg.maxPromptLength());
            return new PpoTrainer(cfg, loaded.models(), prompts, runDir, sampleMetrics, onConfigChange).train();
        }
    }

    /** Trains, resuming from the newest complete checkpoint under {@code <run>/checkpoints}. */
    public Result train() throws IOException {
        return train(RunHook.NONE);
    }

    /** As {@link #train()}; the {@link RunHook} (tests) may stop it after an iteration as if killed. */
    Result train(RunHook hook) throws IOException {
        checkOutput(cfg, runDir);
        checkLengths();
        CausalLM policy = models.policy();
        Tokenizer tok = models.tokenizer();
        models.reference().setTrainable(false);
        if (policy.lora() == null) {
            policy.setTrainable(true);
        } else {
            policy.setTrainable(false); // the adapters alone train
        }
        policy.setGradientCheckpointing(cfg.gradientCheckpointing());
        float temperature = cfg.temperature().floatValue();
        // the log-probs are recomputed in the scoring phase, as TRL does, so generation skips them
        Generator generator = new Generator(policy, tok.padId(), tok.eosIds()).withoutLogProbs();
        ScoreProcessing scoreProcessing = cfg.scoreProcessing(models.reward().mean(), models.reward().std());
        Advantages estimator = Advantages.of(cfg);
        boolean withCritic = models.critic() != null;
        CheckpointManager checkpoints = new CheckpointManager(runDir.resolve("checkpoints"), cfg.keepCheckpoints());
        MinibatchUpdate minibatches = new MinibatchUpdate(cfg, models, ptxTexts());
        ApproxKlGuard approxKlGuard = new ApproxKlGuard(cfg.maxApproxKl(), cfg.approxKlPatience());
        Files.createDirectories(runDir);

        try (AdamW policyOpt = optimizer(NamedParameter.trainable(policy.getParameters()));
                AdamW criticOpt = withCritic ? optimizer(models.critic().trainableParameters()) : null) {
            OptimizerStep.Part policyPart = new OptimizerStep.Part("policy", policyOpt, schedule(cfg.lr()));
            OptimizerStep update = withCritic
                    ? new OptimizerStep(cfg.maxGradNorm(), new NonFiniteGuard(cfg.maxSkippedSteps()), policyPart,
                            new OptimizerStep.Part("critic", criticOpt, schedule(cfg.criticLr())))
                    : new OptimizerStep(cfg.maxGradNorm(), new NonFiniteGuard(cfg.maxSkippedSteps()), policyPart);
            // 0. resume (its config compared with this one first)
            PpoCheckpoint.Position at = PpoCheckpoint.start(cfg);
            Optional<Checkpoint> latest = checkpoints.latest();
            if (latest.isPresent()) {
                ConfigChanges.check(latest.get(), "ppo", cfg, onConfigChange);
                at = PpoCheckpoint.restore(latest.get(), cfg, models, policyOpt, criticOpt, update, prompts, minibatches);
                System.err.printf("ppo: resuming from %s (iteration %d)%n", latest.get().dir(), at.iteration);
            }
            boolean stoppedEarly = false;
            double lastScore = Double.NaN;
            double lastKl = Double.NaN;
            try (MetricsSink metrics = MetricsSink.builder().setFile(runDir.resolve("metrics.jsonl"))
                    .optTotalSteps(cfg.iterations()).optResumeStep(at.iteration).build()) {
                for (int iteration = at.iteration; iteration < cfg.iterations() && hook.continuesAfter(iteration); iteration++) {
                    try (NDManager it = policy.getManager().newSubManager()) {
                        // 1. prompts → responses (each prompt num_generations times, in consecutive rows)
                        long t0 = System.nanoTime();
                        List<PromptSource.Prompt> batch = repeated(prompts.next(cfg.promptsPerIteration()),
                                cfg.numGenerations());
                        List<long[]> promptTokens = batch.stream().map(PromptSource.Prompt::tokens).toList();
                        Generation gen = generator.generate(promptTokens, sampling(at.rng.nextLong()), it);
                        Rollout r = Rollout.of(promptTokens, gen, tok.padId(), it);
                        long t1 = System.nanoTime();

                        // 2. score without gradients: log-probs, values, reward-model scores (the reward model reads
                        // the responses' text: decoding here and its re-tokenisation inside scores() count as scoring)
                        List<String> responses = decode(gen);
                        NDArray logprobs = r.logProbs(policy, temperature); // (B, N)
                        NDArray refLogprobs = referenceLogProbs(r, temperature); // (B, N)
                        NDArray values = !withCritic ? null
                                : scoped(it, r, x -> x.responseSlice(models.critic().values(x.ids(), x.attentionMask()))); // (B, N)
                        NDArray rawScores = scoped(it, r, x -> models.reward().scores(x.ids(), x.attentionMask(),
                                samples(batch, responses))); // (B)
                        NDArray scores = scoreProcessing.apply(rawScores, r.hasEos()); // (B)
                        requireFiniteScores(rawScores, scores, iteration + 1, scoreProcessing);
                        long t2 = System.nanoTime();

                        // 3. per-token rewards: −β·kl_t, plus the score on the last real token
                        Rewards.TokenRewards tr = Rewards.perToken(logprobs, refLogprobs, r.mask(), scores,
                                cfg.estimator(), at.kl.beta());

                        // 4. advantages (and returns): GAE and whitening for PPO, the group or batch baselines otherwise
                        Advantages.Estimate g = estimator.estimate(new Advantages.Inputs(tr, scores, values, r.mask()));
                        NDArray advantages = g.advantages();

                        // 5. PPO epochs over shuffled minibatches, each one update of policy and critic
                        IterationStats stats = new IterationStats();
                        boolean klStop = optimise(r, logprobs, values, advantages, g.returns(), refLogprobs, at.kl.beta(),
                                temperature, it, minibatches, update, stats, at.rng, iteration + 1);
                        long t3 = System.nanoTime();

                        // 6. β, metrics, samples, guard rails, checkpoint
                        int done = iteration + 1;
                        double meanKl = KlController.meanKl(tr.kl(), r.mask());
                        at.kl = at.kl.update(meanKl, r.batchSize());
                        lastKl = meanKl;
                        lastScore = rawScores.mean().getFloat();
                        Map<String, Object> log = iterationLog(r, logprobs, refLogprobs, values, scores, lastScore, tr, g,
                                stats, meanKl, at.kl.beta(), new long[] {t0, t1, t2, t3});
                        for (SampleMetric metric : sampleMetrics) {
                            double[] v = metric.measure(batch.stream().map(PromptSource.Prompt::text).toList(), responses,
                                    gen.endedWithStop());
                            log.put(PpoMetrics.EVAL_PREFIX + metric.name(), Arrays.stream(v).average().orElse(Double.NaN));
                        }
                        if (done % cfg.logEvery() == 0 || done == cfg.iterations()) {
                            double loss = withCritic ? stats.mean(stats.pg) + cfg.vfCoef() * stats.mean(stats.vf)
                                    : stats.mean(stats.pg);
                            metrics.log(new StepMetrics(done, loss,
                                    stats.policyLr, stats.mean(stats.policyGradNorm), r.tokenCount(), log));
                        }
                        if (done % cfg.sampleEvery() == 0 || done == 1 || done == cfg.iterations()) {
                            writeSamples(done, batch, responses, rawScores.toFloatArray(), scores.toFloatArray(),
                                    gen.endedWithStop());
                        }
                        warnOnNegativeKl(tr, r, meanKl, done);
                        approxKlGuard.check(stats.mean(stats.approxKl), done);
                        if (cfg.saveEvery() > 0 && done % cfg.saveEvery() == 0 && done < cfg.iterations()) {
                            at.iteration = done;
                            PpoCheckpoint.save(checkpoints, cfg, at, models, policyOpt, criticOpt, update, prompts, minibatches);
                        }
                        stoppedEarly |= klStop;
                        hook.afterStep().accept(done);
                    }
                }
            }
            if (!hook.continuesAfter(cfg.iterations() - 1)) { // stopped as if killed: nothing more is written
                return new Result(cfg.iterations(), lastScore, lastKl, at.kl.beta(), null, stoppedEarly);
            }
            Path output = output(cfg, runDir);
            LoraTraining.saveCausalLM(output, policy, tok); // with ppo.lora: the adapter directory
            return new Result(cfg.iterations(), lastScore, lastKl, at.kl.beta(), output, stoppedEarly);
        }
    }

    /**
     * {@code ppo_epochs} passes of shuffled minibatches over the rollout, each a forward and
     * backward ({@link MinibatchUpdate}) and one update of policy and critic together; the epochs
     * stop early once approx_kl passes {@code target_kl}.
     *
     * @return whether {@code target_kl} stopped the epochs
     */
    private boolean optimise(Rollout r, NDArray logprobs, NDArray values, NDArray advantages, NDArray returns,
            NDArray refLogprobs, double beta, float temperature, NDManager it, MinibatchUpdate minibatches,
            OptimizerStep update, IterationStats stats, SeededRng rng, int iteration) {
        for (int epoch = 0; epoch < cfg.ppoEpochs(); epoch++) {
            int[] order = permutation(r.batchSize(), rng);
            for (int mb = 0; mb < cfg.numMiniBatches(); mb++) {
                long[] rows = new long[cfg.miniBatchSize()];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = order[mb * rows.length + i];
                }
                IterationStats.Minibatch s = minibatches.backward(r, rows, logprobs, values, advantages, returns,
                        refLogprobs, beta, temperature, it);
                OptimizerStep.Result u = update.apply("iteration " + iteration + ", epoch " + (epoch + 1) + ", minibatch "
                        + (mb + 1), s.loss); // too many non-finite updates in a row stop the run
                stats.skipped += u.applied() ? 0 : 1;
                stats.add(s, u.gradNorms()[0], epoch == 0 && mb == 0);
                stats.policyLr = u.lrs()[0];
                stats.criticLr = u.lrs().length > 1 ? u.lrs()[1] : Double.NaN;
                if (cfg.targetKl() > 0 && s.approxKl > cfg.targetKl()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The metrics of one iteration ({@link PpoMetrics}); times are {@code t0..t3} of generate, score, train. Without
     * a critic the value keys ({@code loss/value}, {@code val/*}, {@code lr/critic}) are left out.
     */
    private Map<String, Object> iterationLog(Rollout r, NDArray logprobs, NDArray refLogprobs, NDArray values,
            NDArray scores, double rawScore, Rewards.TokenRewards tr, Advantages.Estimate g, IterationStats stats,
            double meanKl, double beta, long[] t) {
        Map<String, Object> log = new LinkedHashMap<>();
        log.put(PpoMetrics.KL, meanKl);
        log.put(PpoMetrics.KL_K3, Masked.maskedSum(KlEstimator.K3.apply(logprobs.sub(refLogprobs).mul(r.mask())), r.mask(), 1)
                .mean().getFloat());
        log.put(PpoMetrics.ENTROPY, stats.mean(stats.entropy));
        log.put(PpoMetrics.NON_SCORE_REWARD, Masked.maskedSum(tr.nonScoreReward(), r.mask(), 1).mean().getFloat());
        log.put(PpoMetrics.SCORES, scores.mean().getFloat());
        log.put(PpoMetrics.SCORES_RAW, rawScore);
        log.put(PpoMetrics.RLHF_REWARD, Masked.maskedSum(tr.rewards(), r.mask(), 1).mean().getFloat());
        log.put(PpoMetrics.BETA, beta);
        if (cfg.algorithm() == Algorithm.RLOO || cfg.algorithm() == Algorithm.GRPO) {
            log.put(PpoMetrics.FRAC_REWARD_ZERO_STD, Advantages.flatGroupFraction(
                    scores.toType(DataType.FLOAT32, false).toFloatArray(), cfg.numGenerations()));
        }
        log.put(PpoMetrics.APPROX_KL, stats.mean(stats.approxKl));
        log.put(PpoMetrics.CLIPFRAC, stats.mean(stats.clipfrac));
        log.put(PpoMetrics.RATIO_MEAN, stats.mean(stats.ratioMean));
        log.put(PpoMetrics.RATIO_VAR, stats.mean(stats.ratioVar));
        log.put(PpoMetrics.FIRST_RATIO_MEAN, stats.firstRatioMean);
        log.put(PpoMetrics.FIRST_CLIPFRAC, stats.firstClipfrac);
        log.put(PpoMetrics.LOSS_POLICY, stats.mean(stats.pg));
        if (values != null) {
            log.put(PpoMetrics.LOSS_VALUE, stats.mean(stats.vf));
        }
        if (cfg.algorithm() == Algorithm.GRPO) {
            log.put(PpoMetrics.LOSS_KL, stats.mean(stats.kl));
        }
        if (cfg.ptxCoef() > 0) {
            log.put(PpoMetrics.LOSS_PTX, stats.mean(stats.ptx));
        }
        if (values != null) {
            log.put(PpoMetrics.VALUE_CLIPFRAC, stats.mean(stats.vfClipfrac));
            log.put(PpoMetrics.EXPLAINED_VARIANCE, PpoLosses.explainedVariance(values, g.returns(), r.mask()));
            log.put(PpoMetrics.VALUE_MEAN, Masked.maskedMean(values, r.mask()).getFloat());
        }
        log.put(PpoMetrics.RESPONSE_LENGTH, r.mask().sum().getFloat() / r.batchSize());
        log.put(PpoMetrics.EOS_RATE, r.hasEos().mean().getFloat());
        log.put(PpoMetrics.SKIPPED_STEPS, stats.skipped);
        log.put(PpoMetrics.LR_POLICY, stats.policyLr);
        if (values != null) {
            log.put(PpoMetrics.LR_CRITIC, stats.criticLr);
        }
        log.put(PpoMetrics.TIME_GENERATE, (t[1] - t[0]) / 1e9);
        log.put(PpoMetrics.TIME_SCORE, (t[2] - t[1]) / 1e9);
        log.put(PpoMetrics.TIME_TRAIN, (t[3] - t[2]) / 1e9);
        log.put(PpoMetrics.TOKENS_PER_S, r.tokenCount() / ((t[3] - t[0]) / 1e9));
        return log;
    }

    /** Sampling and scoring at different settings shows up as a KL below zero beyond its noise. */
    private static void warnOnNegativeKl(Rewards.TokenRewards tr, Rollout r, double meanKl, int iteration) {
        double noise = 3 * Math.sqrt(Masked.maskedSum(tr.kl(), r.mask(), 1).toType(DataType.FLOAT32, false)
                .sub((float) meanKl).square().mean().getFloat() / r.batchSize());
        if (meanKl < -Math.max(noise, 1e-3)) {
            System.err.printf("ppo: warning: mean KL %.4f is negative beyond noise (%.4f) at iteration %d; "
                    + "generation and scoring settings (temperature, top-k/top-p) probably differ%n",
                    meanKl, noise, iteration);
        }
    }

    /** The prompts and the sampled responses fit the policy's positions. */
    private void checkLengths() {
        int positions = models.policy().config().maxPositions();
        if (prompts.longest() + cfg.maxNewTokens() > positions) {
            throw new IllegalArgumentException("ppo: the longest prompt (" + prompts.longest() + " tokens) plus"
                    + " ppo.max_new_tokens (" + cfg.maxNewTokens() + ") exceed the policy's " + positions
                    + " positions (max_position_embeddings); lower ppo.max_prompt_length or ppo.max_new_tokens");
        }
    }

    /** PPO-ptx's texts, tokenised (none without PPO-ptx). */
    private List<long[]> ptxTexts() {
        List<long[]> texts = new ArrayList<>();
        if (cfg.ptxCoef() > 0) {
            JsonLines.forEach(Path.of(cfg.ptxData()), line -> texts.add(models.tokenizer().encode(line.text("text"))));
        }
        return texts;
    }

    private List<String> decode(Generation gen) {
        List<String> out = new ArrayList<>(gen.batchSize());
        for (int i = 0; i < gen.batchSize(); i++) {
            out.add(models.tokenizer().decode(gen.response(i), true));
        }
        return out;
    }

    /** Each prompt {@code k} times in consecutive rows: a group's responses sit together ({@link Advantages}). */
    static List<PromptSource.Prompt> repeated(List<PromptSource.Prompt> prompts, int k) {
        List<PromptSource.Prompt> out = new ArrayList<>(prompts.size() * k);
        for (PromptSource.Prompt p : prompts) {
            for (int j = 0; j < k; j++) {
                out.add(p);
            }
        }
        return out;
    }

    private static List<SequenceScorer.Sample> samples(List<PromptSource.Prompt> batch, List<String> responses) {
        List<SequenceScorer.Sample> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            out.add(new SequenceScorer.Sample(batch.get(i), responses.get(i)));
        }
        return out;
    }

    /** Where the final policy goes: {@code ppo.output}, else {@code <run>/model}. */
    /**
     * The reference's log-probs: a model of its own, or, when the reference is the LoRA policy
     * itself, the policy with its adapters disabled (the base weights, no second copy).
     */
    private NDArray referenceLogProbs(Rollout r, float temperature) {
        CausalLM reference = models.reference();
        if (reference != models.policy() || reference.lora() == null) {
            return r.logProbs(reference, temperature);
        }
        try (LoraAdapters.Disabled base = reference.lora().disabled()) {
            return r.logProbs(reference, temperature);
        }
    }

    private static Path output(PpoConfig cfg, Path runDir) {
        return cfg.output() != null ? Path.of(cfg.output()) : runDir.resolve("model");
    }

    /** The output may be written (free, empty or rlhf4j's) and is none of the models PPO reads. */
    private static void checkOutput(PpoConfig cfg, Path runDir) {
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("ppo.policy", Path.of(cfg.policy()));
        inputs.put("ppo.reference", Path.of(cfg.reference()));
        if (cfg.rewardModel() != null) {
            inputs.put("ppo.reward_model", Path.of(cfg.rewardModel()));
        }
        ModelDirectory.checkOutput("ppo.output", output(cfg, runDir), inputs);
    }

    /**
     * Stops before a NaN or infinite score is used: one would turn every advantage of the batch to
     * NaN through whitening, and every later step would be skipped.
     */
    private void requireFiniteScores(NDArray rawScores, NDArray scores, int iteration, ScoreProcessing processing) {
        float[] raw = rawScores.toType(DataType.FLOAT32, false).toFloatArray(); // (B)
        float[] processed = scores.toType(DataType.FLOAT32, false).toFloatArray(); // (B)
        for (int i = 0; i < raw.length; i++) {
            if (!Float.isFinite(raw[i])) {
                throw new TrainingStoppedException(String.format("ppo: stopped at iteration %d: the reward model (%s) scored"
                        + " rollout %d of %d as %s; a non-finite score would make every advantage of the batch NaN."
                        + " Check the reward model's weights and the responses it was given", iteration,
                        cfg.rewardModel(), i + 1, raw.length, raw[i]));
            }
        }
        for (int i = 0; i < processed.length; i++) {
            if (!Float.isFinite(processed[i])) {
                throw new TrainingStoppedException(String.format("ppo: stopped at iteration %d: normalising the score %s of"
                        + " rollout %d gave %s (%s); check the score mean and std stored with the reward model (%s)",
                        iteration, raw[i], i + 1, processed[i], processing, cfg.rewardModel()));
            }
        }
    }

    /** {@code f} on a copy of the rollout in a scope of its own; only the result moves to {@code target}. */
    private static NDArray scoped(NDManager target, Rollout r, Function<Rollout, NDArray> f) {
        try (NDManager s = target.newSubManager()) {
            NDArray out = f.apply(r.copyTo(s));
            out.attach(target);
            return out;
        }
    }

    private AdamW optimizer(List<NamedParameter> params) {
        return AdamW.builder().setParameters(params).optEps(cfg.adamEps()).optWeightDecay(cfg.weightDecay()).build();
    }

    private LrSchedule schedule(double peak) {
        return new LrSchedule(LrSchedule.Kind.valueOf(cfg.schedule().name()), peak, cfg.warmupSteps(),
                cfg.totalOptimizerSteps());
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

}
