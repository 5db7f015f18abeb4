package dev.rlhf4j.cli.stage;

import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.ppo.PpoConfig;
import dev.rlhf4j.ppo.PpoTrainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rlhf4j ppo -c CONFIG.yaml [--set key=value ...]}: the PPO stage alone. */
@Command(name = "ppo", description = "Optimise a policy against a reward model with PPO (the config's ppo: section).")
public final class PpoCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "YAML run config") Path config;
    @Option(names = "--set", description = "override a key, e.g. ppo.lr=1e-5 (repeatable)") List<String> overrides = new ArrayList<>();
    @Option(names = "--run-dir", description = "where metrics, samples and checkpoints go (default runs/<name>/ppo)") Path runDir;

    @Override
    public Integer call() throws Exception {
        ConfigFile cfg = ConfigFile.load(config, overrides);
        PpoConfig ppo = cfg.bind("ppo", PpoConfig.class);
        Path dir = runDir != null ? runDir : Path.of("runs", cfg.node("name").asText("run"), "ppo");
        PpoTrainer.Result r = PpoTrainer.run(ppo, dir, List.of());
        System.out.printf("ppo: %d iterations, final score %.4f, KL %.4f, beta %.4f -> %s%n", r.iterations(),
                r.finalScore(), r.finalKl(), r.beta(), r.output());
        return 0;
    }
}
