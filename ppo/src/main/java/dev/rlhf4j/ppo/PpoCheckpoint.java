package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.train.AdamW;
import dev.rlhf4j.core.train.Checkpoint;
import dev.rlhf4j.core.train.CheckpointManager;
import dev.rlhf4j.core.train.ConfigChanges;
import dev.rlhf4j.core.train.LoraTraining;
import dev.rlhf4j.core.train.OptimizerStep;
import dev.rlhf4j.core.train.SeededRng;
import dev.rlhf4j.core.train.TrainerState;
import java.io.IOException;
import java.util.Map;

/**
 * What a PPO checkpoint holds, so that a resumed run equals an uninterrupted one bit for bit: the
 * policy and the critic (model directories), both optimizers' moments, the optimizer step count,
 * β, the RNG, the prompt order position and the PPO-ptx position, and the config it was saved with.
 * A critic-free algorithm ({@link Algorithm#criticFree()}) has no critic and no critic optimizer:
 * neither is written nor expected.
 */
final class PpoCheckpoint {

    private static final String POLICY = "policy";
    private static final String CRITIC = "critic";
    private static final String POLICY_OPTIMIZER = "policy_optimizer.ndlist";
    private static final String CRITIC_OPTIMIZER = "critic_optimizer.ndlist";
    private static final String BETA = "beta";
    private static final String PTX_POSITION = "ptx_position";

    /** Where a run stands between iterations; {@code rng} is advanced by the loop. */
    static final class Position {
        int iteration;
        SeededRng rng;
        KlController kl;

        Position(int iteration, SeededRng rng, KlController kl) {
            this.iteration = iteration;
            this.rng = rng;
            this.kl = kl;
        }
    }

    private PpoCheckpoint() {}

    /** The position of a fresh run. */
    static Position start(PpoConfig cfg) {
        return new Position(0, new SeededRng(cfg.seed()), cfg.klController());
    }

    /** Restores everything a checkpoint holds into the running objects and returns the position; {@code criticOpt} is null without a critic. */
    static Position restore(Checkpoint ck, PpoConfig cfg, PpoTrainer.Models models, AdamW policyOpt, AdamW criticOpt,
            OptimizerStep update, PromptSource prompts, MinibatchUpdate minibatches) throws IOException {
        TrainerState state = ck.state();
        loadInto(models.policy(), ck);
        policyOpt.load(ck.resolve(POLICY_OPTIMIZER));
        if (models.critic() != null) {
            models.critic().loadWeights(ck.resolve(CRITIC));
            criticOpt.load(ck.resolve(CRITIC_OPTIMIZER));
        }
        update.resumeAt(state.optimizerStep());
        prompts.seek(state.epoch(), (int) state.dataPosition());
        minibatches.seekPtx(((Number) state.extra().getOrDefault(PTX_POSITION, 0)).intValue());
        double beta = ((Number) state.extra().get(BETA)).doubleValue();
        KlController kl = cfg.klController() instanceof KlController.Adaptive a
                ? new KlController.Adaptive(beta, a.target(), a.horizon()) : KlController.fixed(beta);
        return new Position((int) state.step(), state.rng(), kl);
    }

    /** Saves the state after {@code position.iteration} iterations. */
    static void save(CheckpointManager checkpoints, PpoConfig cfg, Position position, PpoTrainer.Models models,
            AdamW policyOpt, AdamW criticOpt, OptimizerStep update, PromptSource prompts, MinibatchUpdate minibatches)
            throws IOException {
        TrainerState state = new TrainerState(position.iteration, update.optimizerStep(), prompts.epoch(), prompts.index(),
                position.rng.seed(), position.rng.counter(),
                Map.of(BETA, position.kl.beta(), PTX_POSITION, minibatches.ptxPosition()), ConfigChanges.snapshot(cfg));
        checkpoints.save(state, dir -> {
            LoraTraining.saveCausalLM(dir.resolve(POLICY), models.policy(), models.tokenizer()); // adapters if LoRA
            policyOpt.save(dir.resolve(POLICY_OPTIMIZER));
            if (models.critic() != null) {
                models.critic().save(dir.resolve(CRITIC));
                criticOpt.save(dir.resolve(CRITIC_OPTIMIZER));
            }
        });
    }

    /** Copies the weights of the checkpoint's policy into {@code policy}. */
    private static void loadInto(CausalLM policy, Checkpoint ck) {
        if (policy.lora() != null) {
            PeftAdapter.loadInto(policy, ck.resolve(POLICY));
            return;
        }
        try (NDManager m = policy.getManager().newSubManager();
                CausalLM saved = ModelDirectory.loadCausalLM(ck.resolve(POLICY), m, true)) {
            saved.namedParameters().forEach((name, p) ->
                    policy.namedParameters().get(name).getArray().set(p.getArray().toFloatArray()));
        }
    }
}
