package dev.rlhf4j.cli.stage;

import dev.rlhf4j.pipeline.Stage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rlhf4j ppo -c CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--force]}: the config's
 * {@code ppo:} section, resolved and run as {@code pipeline --only ppo} does ({@link StageCommands}):
 * policy and reward model default to the earlier stages' outputs in the same run directory.
 */
@Command(name = "ppo", mixinStandardHelpOptions = true,
        description = "Optimise a policy against a reward model with PPO: the config's ppo: section (resumes if interrupted).")
public final class PpoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "CONFIG.yaml", description = "the run config")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a key, e.g. ppo.lr=1e-5 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--run-dir", paramLabel = "DIR", description = "the run directory (default runs/<name>); the stage"
            + " writes metrics, samples, checkpoints and the policy to DIR/ppo/")
    Path runDir;

    @Option(names = "--force", description = "run again even if the stage finished (deletes its directory; only ever"
            + " directories rlhf4j wrote)")
    boolean force;

    @Option(names = "--allow-config-change", description = "resume an interrupted stage even though keys that alter"
            + " the training changed since its checkpoint")
    boolean allowConfigChange;

    @Override
    public Integer call() throws IOException {
        return StageCommands.run(Stage.PPO, config, overrides, runDir, force, allowConfigChange, spec.commandLine().getOut(),
                r -> String.format(Locale.ROOT,
                        "ppo: %.0f iterations, final score %.4f, KL %.4f, beta %.4f -> %s", StageCommands.number(r, "iterations"),
                        StageCommands.number(r, "finalScore"), StageCommands.number(r, "finalKl"), StageCommands.number(r, "beta"),
                        r.get("output")));
    }
}
