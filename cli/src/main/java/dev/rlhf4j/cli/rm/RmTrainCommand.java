package dev.rlhf4j.cli.rm;

import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.cli.pipeline.RunConfig;
import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.core.io.OwnedDirectory;
import dev.rlhf4j.core.io.RunLock;
import dev.rlhf4j.core.train.OnConfigChange;
import dev.rlhf4j.rm.train.RewardModelConfig;
import dev.rlhf4j.rm.train.RewardTrainer;
import dev.rlhf4j.rm.train.RewardTrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j rm train -c CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--allow-config-change]}:
 * binds the config's {@code reward_model:} section and runs {@link RewardTrainer}, resuming from
 * the run directory's newest checkpoint if it has one (unless keys that alter the training changed
 * since, see {@link dev.rlhf4j.core.train.ConfigChanges}). The run directory is rlhf4j's (created
 * and marked, or empty, or marked already) and locked while the stage runs. Exit codes: 0 done, 1 a
 * data, model, lock or resume error, 2 a config error.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a reward model on preference pairs: the config's reward_model: section (resumes if interrupted).")
public final class RmTrainCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "CONFIG.yaml", description = "the run config")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a config key, e.g. --set reward_model.training.lr=1e-5 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "metrics.jsonl, checkpoints/, eval/ and the resolved config.yaml (default <runs_dir>/<name>/reward_model)")
    Path runDir;

    @Option(names = "--allow-config-change", description = "resume an interrupted run even though keys that alter the training changed"
            + " since its checkpoint (they are listed as a warning)")
    boolean allowConfigChange;

    @Override
    public Integer call() {
        ConfigFile cfg;
        RewardModelConfig rm;
        Path dir;
        try {
            cfg = ConfigFile.load(config, overrides);
            rm = cfg.bind("reward_model", RewardModelConfig.class);
            dir = runDir != null ? runDir : RunConfig.defaultRunDir(cfg).resolve("reward_model");
        } catch (ConfigException e) {
            return fail(2, e.getMessage());
        }
        RewardTrainingResult r;
        try {
            OwnedDirectory.claim(dir, "stage");
            try (RunLock lock = RunLock.acquire(dir)) {
                cfg.write(dir.resolve("config.yaml"));
                r = RewardTrainer.run(rm, dir, allowConfigChange ? OnConfigChange.ALLOW : OnConfigChange.REFUSE);
            }
        } catch (IOException e) {
            return fail(1, e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            return fail(1, e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "rm: %d steps on %d pairs (%d groups, %d ties left out), %.1f pairs/s -> %s%n",
                r.steps(), r.trainPairs(), r.trainGroups(), r.tiesSkipped(), r.pairsPerSecond(), r.modelDir());
        out.printf(Locale.ROOT, "rm: normalisation mean %.4f std %.4f stored in %s%n", r.normalization().mean(),
                r.normalization().std(), r.modelDir().resolve("config.json"));
        if (r.report() != null) {
            out.printf(Locale.ROOT, "rm: held-out accuracy %.4f on %d pairs, report in %s%n",
                    r.report().accuracy().accuracy(), r.report().accuracy().n(), dir.resolve("eval/report.html"));
        }
        out.flush();
        return 0;
    }

    private int fail(int code, String message) {
        spec.commandLine().getErr().println("rlhf4j rm train: " + message);
        return code;
    }
}
