package dev.rlhf4j.cli.stage;

import dev.rlhf4j.pipeline.Stage;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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

    @Mixin StageOptions options;

    @Override
    public Integer call() throws IOException {
        return StageCommands.run(Stage.PPO, options, spec.commandLine().getOut(),
                r -> String.format(Locale.ROOT,
                        "ppo: %.0f iterations, final score %.4f, KL %.4f, beta %.4f -> %s", StageCommands.number(r, "iterations"),
                        StageCommands.number(r, "finalScore"), StageCommands.number(r, "finalKl"), StageCommands.number(r, "beta"),
                        r.get("output")));
    }
}
