package dev.rlhf4j.cli.stage;

import dev.rlhf4j.cli.pipeline.RunConfig;
import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.core.io.OwnedDirectory;
import dev.rlhf4j.core.io.RunLock;
import dev.rlhf4j.core.train.OnConfigChange;
import dev.rlhf4j.ppo.PpoConfig;
import dev.rlhf4j.ppo.PpoTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rlhf4j ppo -c CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--allow-config-change]}:
 * the PPO stage alone, resuming from the run directory's newest checkpoint if it has one. The run
 * directory is rlhf4j's (created and marked, or empty, or marked already) and locked while the
 * stage runs. Exit codes: 0 done, 1 a data, model, lock or resume error, 2 a config error.
 */
@Command(name = "ppo", description = "Optimise a policy against a reward model with PPO (the config's ppo: section).")
public final class PpoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = {"-c", "--config"}, required = true, description = "YAML run config") Path config;
    @Option(names = "--set", description = "override a key, e.g. ppo.lr=1e-5 (repeatable)") List<String> overrides = new ArrayList<>();
    @Option(names = "--run-dir", description = "where metrics, samples and checkpoints go (default <runs_dir>/<name>/ppo)") Path runDir;
    @Option(names = "--allow-config-change", description = "resume an interrupted run even though keys that alter the training changed"
            + " since its checkpoint (they are listed as a warning)") boolean allowConfigChange;

    @Override
    public Integer call() throws IOException {
        PpoConfig ppo;
        Path dir;
        try {
            ConfigFile cfg = ConfigFile.load(config, overrides);
            ppo = cfg.bind("ppo", PpoConfig.class);
            dir = runDir != null ? runDir : RunConfig.defaultRunDir(cfg).resolve("ppo");
        } catch (ConfigException e) {
            return fail(2, e.getMessage());
        }
        PpoTrainer.Result r;
        try {
            OwnedDirectory.claim(dir, "stage");
            try (RunLock lock = RunLock.acquire(dir)) {
                r = PpoTrainer.run(ppo, dir, List.of(), allowConfigChange ? OnConfigChange.ALLOW : OnConfigChange.REFUSE);
            }
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            return fail(1, e.getMessage());
        }
        spec.commandLine().getOut().printf("ppo: %d iterations, final score %.4f, KL %.4f, beta %.4f -> %s%n",
                r.iterations(), r.finalScore(), r.finalKl(), r.beta(), r.output());
        spec.commandLine().getOut().flush();
        return 0;
    }

    private int fail(int code, String message) {
        spec.commandLine().getErr().println("rlhf4j ppo: " + message);
        return code;
    }
}
