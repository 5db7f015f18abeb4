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
 * {@code rlhf4j sft -c CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--force]}: the config's
 * {@code sft:} section, resolved and run as {@code pipeline --only sft} does ({@link StageCommands}),
 * into {@code <run>/sft/}, resuming from its newest checkpoint if it has one.
 */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = "Supervised fine-tuning on demonstrations: the config's sft: section (resumes if interrupted).")
public final class SftCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "CONFIG.yaml", description = "the run config")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a config key, e.g. --set sft.training.lr=3e-4 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--run-dir", paramLabel = "DIR", description = "the run directory (default runs/<name>); the stage"
            + " writes metrics, checkpoints and (unless sft.output says otherwise) the model to DIR/sft/")
    Path runDir;

    @Option(names = "--force", description = "run again even if the stage finished (deletes its directory; only ever"
            + " directories rlhf4j wrote)")
    boolean force;

    @Option(names = "--allow-config-change", description = "resume an interrupted stage even though keys that alter"
            + " the training changed since its checkpoint")
    boolean allowConfigChange;

    @Override
    public Integer call() throws IOException {
        return StageCommands.run(Stage.SFT, config, overrides, runDir, force, allowConfigChange, spec.commandLine().getOut(),
                r -> String.format(Locale.ROOT, "sft: %.0f steps, train loss %.4f, eval loss %.4f -> %s",
                        StageCommands.number(r, "steps"), StageCommands.number(r, "trainLoss"), StageCommands.number(r, "evalLoss"),
                        r.get("output")));
    }
}
