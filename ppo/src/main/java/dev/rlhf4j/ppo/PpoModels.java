package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.io.JsonFile;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.encoder.EncoderConfig;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.LoraTraining;
import dev.rlhf4j.rm.DecoderRewardModel;
import dev.rlhf4j.rm.RewardModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The four models a {@code ppo:} section names, loaded and released together: the policy (from
 * SFT; with {@code ppo.lora} a frozen base with new adapters), the frozen reference (with {@code
 * ppo.lora} and no other reference named: the policy object itself, its adapters off when used), the frozen reward model (which reads text, {@link
 * RewardModels#scorer}, so it may have a tokenizer of its own) and the critic ({@code
 * reward_model}: a copy of the reward model; {@code policy}: the SFT trunk with a fresh head;
 * {@code shared}: a value head on the policy's trunk; or a reward-model directory). The reference
 * and a critic that reads the policy's tokens must share the policy's tokenizer; the reward model
 * need not, and may be an encoder (BERT, RoBERTa, DeBERTa), which then cannot start the critic.
 * The critic-free algorithms ({@link Algorithm#criticFree()}) load no critic: {@link
 * PpoTrainer.Models#critic()} is null.
 */
final class PpoModels implements AutoCloseable {

    private final NDManager manager = NDManager.newBaseManager();
    private Tokenizer tokenizer;
    private Tokenizer rewardTokenizer;
    private PpoTrainer.Models models;

    private PpoModels() {}

    /** Loads the models of {@code cfg}; close to release them all. */
    static PpoModels load(PpoConfig cfg) throws IOException {
        return load(cfg, null);
    }

    /** As {@link #load(PpoConfig)}; {@code runDir} holds the merged base when {@code ppo.lora} starts from an adapter. */
    static PpoModels load(PpoConfig cfg, Path runDir) throws IOException {
        PpoModels m = new PpoModels();
        try {
            m.open(cfg, runDir);
            return m;
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private void open(PpoConfig cfg, Path runDir) throws IOException {
        Path policyDir = Path.of(cfg.policy());
        if (cfg.rewardModel() == null) {
            throw new IllegalArgumentException("ppo.reward_model must be set, but is: null");
        }
        Path rewardDir = Path.of(cfg.rewardModel());
        checkSameTokenizer(policyDir, Path.of(cfg.reference()), "reference");
        boolean withCritic = !cfg.algorithm().criticFree();
        // the reward model itself reads text through its own tokenizer: any tokenizer, encoder or decoder
        if (withCritic) {
            switch (cfg.critic()) {
                case "shared", "policy" -> { }
                case "reward_model" -> {
                    checkDecoderCritic(rewardDir, "ppo.critic is reward_model, but ppo.reward_model");
                    checkSameTokenizer(policyDir, rewardDir, "reward_model");
                }
                default -> {
                    checkDecoderCritic(Path.of(cfg.critic()), "ppo.critic");
                    checkSameTokenizer(policyDir, Path.of(cfg.critic()), "critic");
                }
            }
        }
        tokenizer = Tokenizer.load(policyDir);
        rewardTokenizer = Tokenizer.load(rewardDir);
        CausalLM policy;
        CausalLM reference;
        if (cfg.lora() != null) {
            // adapters on a frozen base; the reference is the same weights with the adapters off
            policy = LoraTraining.load(LoraTraining.baseDirectory(policyDir, runDir), cfg.lora(), cfg.seed(), null,
                    manager, true);
            reference = cfg.reference().equals(cfg.policy()) ? policy
                    : ModelDirectory.loadCausalLM(Path.of(cfg.reference()), manager, true);
        } else {
            policy = ModelDirectory.loadCausalLM(policyDir, manager, true);
            reference = ModelDirectory.loadCausalLM(Path.of(cfg.reference()), manager, true);
        }
        RewardModel rm = RewardModel.load(rewardDir, manager);
        ValueModel critic = !withCritic ? null : switch (cfg.critic()) {
            case "shared" -> new PolicyValueHead(policy, cfg.seed());
            case "reward_model" -> RewardModels.critic(DecoderRewardModel.load(rewardDir, manager), tokenizer);
            case "policy" -> RewardModels.critic(DecoderRewardModel.fromCausalLm(policyDir, manager, cfg.seed()), tokenizer);
            default -> RewardModels.critic(DecoderRewardModel.load(Path.of(cfg.critic()), manager), tokenizer);
        };
        models = new PpoTrainer.Models(policy, reference, RewardModels.scorer(rm, rewardTokenizer), critic, tokenizer);
    }

    PpoTrainer.Models models() {
        return models;
    }

    /**
     * A critic reads the policy's tokens and gives a value per token: only a decoder can. An encoder
     * reward model (BERT, RoBERTa, DeBERTa) can score for PPO but not start its critic.
     */
    static void checkDecoderCritic(Path dir, String what) {
        if (EncoderConfig.isEncoder(dir)) {
            throw new IllegalArgumentException(what + " (" + dir + ") is an encoder ("
                    + JsonFile.read(dir.resolve("config.json")).path("model_type").asText() + "); a critic reads the"
                    + " policy's tokens, one value per token, which only a decoder can: set ppo.critic: policy (the SFT"
                    + " model with a fresh value head) or shared");
        }
    }

    /** The reference and a critic reading the policy's tokens must tokenise as it does: compare tokenizer.json files. */
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

    @Override
    public void close() {
        if (models != null && models.critic() != null) {
            models.critic().close();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
        if (rewardTokenizer != null) {
            rewardTokenizer.close();
        }
        manager.close(); // the policy, the reference and the reward model live in it
    }
}
