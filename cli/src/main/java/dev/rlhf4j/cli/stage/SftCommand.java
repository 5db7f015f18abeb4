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
 * {@code rlhf4j sft -c CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--force]}: the config's
 * {@code sft:} section, resolved and run as {@code pipeline --only sft} does ({@link StageCommands}),
 * into {@code <run>/sft/}, resuming from its newest checkpoint if it has one.
 */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = "Supervised fine-tuning on demonstrations: the config's sft: section (resumes if interrupted).")
public final class SftCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin StageOptions options;

    @Override
    public Integer call() throws IOException {
        return StageCommands.run(Stage.SFT, options, spec.commandLine().getOut(),
                r -> String.format(Locale.ROOT, "sft: %.0f steps, train loss %.4f, eval loss %.4f -> %s",
                        StageCommands.number(r, "steps"), StageCommands.number(r, "trainLoss"), StageCommands.number(r, "evalLoss"),
                        r.get("output")));
    }
}
