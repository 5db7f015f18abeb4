package dev.rlhf4j.pipeline;

import dev.rlhf4j.core.model.encoder.EncoderConfig;
import dev.rlhf4j.dpo.DpoConfig;
import dev.rlhf4j.ppo.PpoConfig;
import dev.rlhf4j.rm.train.RewardModelConfig;
import dev.rlhf4j.sft.SftConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Every file and directory the stages of a run read, checked before any of them starts: a
 * missing PPO prompt file is reported at once, not after SFT and the reward model have run. An
 * input that an earlier stage of the same invocation writes (the SFT model PPO starts from, the
 * data stage's splits) only has to exist by then.
 */
final class RunInputs {

    private final RunConfig run;
    private final Set<Stage> selected;
    private final List<String> errors = new ArrayList<>();

    private RunInputs(RunConfig run, Set<Stage> selected) {
        this.run = run;
        this.selected = selected;
    }

    /** The missing inputs of the selected stages, each as {@code file: key: what}; empty when all is there. */
    static List<String> missing(RunConfig run, Set<Stage> selected) {
        RunInputs r = new RunInputs(run, selected);
        r.check();
        return r.errors;
    }

    private void check() {
        if (runs(Stage.DATA)) {
            run.data().inputs().forEach(i -> file(Stage.DATA, "data.inputs", Path.of(i)));
        }
        SftConfig sft = run.sft();
        if (runs(Stage.SFT)) {
            dir(Stage.SFT, "sft.model", sft.model());
            file(Stage.SFT, "sft.data", sft.data());
            file(Stage.SFT, "sft.eval_data", sft.evalData());
        }
        RewardModelConfig rm = run.rewardModel();
        if (runs(Stage.REWARD_MODEL)) {
            dir(Stage.REWARD_MODEL, "reward_model.init", rm.init());
            files(Stage.REWARD_MODEL, "reward_model.data", rm.data());
            files(Stage.REWARD_MODEL, "reward_model.eval_data", rm.evalData());
            files(Stage.REWARD_MODEL, "reward_model.normalization_data", rm.normalizationData());
        }
        DpoConfig dpo = run.dpo();
        if (runs(Stage.DPO)) {
            dir(Stage.DPO, "dpo.model", dpo.model());
            if (dpo.lossType().usesReference()) {
                dir(Stage.DPO, "dpo.reference", dpo.reference());
            }
            files(Stage.DPO, "dpo.data", dpo.data());
            files(Stage.DPO, "dpo.eval_data", dpo.evalData());
        }
        PpoConfig ppo = run.ppo();
        if (runs(Stage.PPO)) {
            dir(Stage.PPO, "ppo.policy", Path.of(ppo.policy()));
            dir(Stage.PPO, "ppo.reference", Path.of(ppo.reference()));
            dir(Stage.PPO, "ppo.reward_model", ppo.rewardModel() == null ? null : Path.of(ppo.rewardModel()));
            if (ppo.critic() != null && !Set.of("reward_model", "policy", "shared").contains(ppo.critic())) {
                dir(Stage.PPO, "ppo.critic", Path.of(ppo.critic()));
            }
            checkCriticIsNoEncoder(ppo, rm);
            file(Stage.PPO, "ppo.prompts", Path.of(ppo.prompts()));
            file(Stage.PPO, "ppo.ptx_data", ppo.ptxData() == null ? null : Path.of(ppo.ptxData()));
        }
        if (runs(Stage.EVAL) && run.eval().prompts() != null) {
            file(Stage.EVAL, "eval.prompts", Path.of(run.eval().prompts()));
        }
    }

    /**
     * {@code critic: reward_model} copies the reward model into a critic that reads the policy's
     * tokens, which an encoder cannot; refused now rather than after SFT and the reward model ran.
     * When this invocation trains the reward model, its kind is {@code reward_model.init}'s.
     */
    private void checkCriticIsNoEncoder(PpoConfig ppo, RewardModelConfig rm) {
        if (!ppo.critic().equals("reward_model") || ppo.rewardModel() == null) {
            return;
        }
        Path rewardModel = Path.of(ppo.rewardModel());
        Path source = writtenBefore(Stage.PPO, rewardModel) && runs(Stage.REWARD_MODEL) ? rm.init() : rewardModel;
        if (source != null && Files.isDirectory(source) && EncoderConfig.isEncoder(source)) {
            errors.add(run.file().source() + ": ppo.critic: reward_model, but the reward model (" + source + ") is an"
                    + " encoder, which cannot be a critic (it reads whole texts, not a value per policy token); set"
                    + " ppo.critic: policy or shared");
        }
    }

    private boolean runs(Stage stage) {
        return selected.contains(stage) && run.stages().contains(stage);
    }

    private void files(Stage reader, String key, List<Path> paths) {
        if (paths != null) {
            paths.forEach(p -> file(reader, key, p));
        }
    }

    private void file(Stage reader, String key, Path path) {
        check(reader, key, path, false);
    }

    private void dir(Stage reader, String key, Path path) {
        check(reader, key, path, true);
    }

    private void check(Stage reader, String key, Path path, boolean directory) {
        if (path == null || writtenBefore(reader, path)) {
            return;
        }
        if (!Files.exists(path)) {
            errors.add(run.file().source() + ": " + key + ": no such " + (directory ? "directory" : "file") + ": " + path);
        } else if (directory != Files.isDirectory(path)) {
            errors.add(run.file().source() + ": " + key + ": expected a " + (directory ? "directory" : "file")
                    + ", but " + path + " is " + (directory ? "a file" : "a directory"));
        }
    }

    /** Whether a stage running before {@code reader} in this invocation writes {@code path}. */
    private boolean writtenBefore(Stage reader, Path path) {
        Path p = path.toAbsolutePath().normalize();
        for (Stage s : Stage.values()) {
            if (s.ordinal() >= reader.ordinal() || !runs(s)) {
                continue;
            }
            for (Path out : outputs(s)) {
                if (p.startsWith(out.toAbsolutePath().normalize())) {
                    return true;
                }
            }
        }
        return false;
    }

    private List<Path> outputs(Stage s) {
        Path out = switch (s) {
            case DATA -> run.runDir().resolve(Stage.DATA.key());
            case SFT -> run.sft().output();
            case REWARD_MODEL -> run.rewardModel().output();
            case DPO -> run.dpo().output();
            case PPO -> run.ppo().output() == null ? null : Path.of(run.ppo().output());
            case EVAL -> null;
        };
        return out == null ? List.of() : List.of(out);
    }
}
