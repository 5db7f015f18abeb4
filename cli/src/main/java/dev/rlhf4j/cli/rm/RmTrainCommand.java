package dev.rlhf4j.cli.rm;

import dev.rlhf4j.cli.stage.StageCommands;
import dev.rlhf4j.pipeline.Stage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rlhf4j rm train -c CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--force]}: the
 * config's {@code reward_model:} section, resolved and run as {@code pipeline --only reward_model}
 * does (with its held-out evaluation), into {@code <run>/reward_model/}.
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

    @Option(names = "--run-dir", paramLabel = "DIR", description = "the run directory (default runs/<name>); the stage"
            + " writes metrics, checkpoints, eval/ and the model to DIR/reward_model/")
    Path runDir;

    @Option(names = "--force", description = "run again even if the stage finished (deletes its directory; only ever"
            + " directories rlhf4j wrote)")
    boolean force;

    @Option(names = "--allow-config-change", description = "resume an interrupted stage even though keys that alter"
            + " the training changed since its checkpoint")
    boolean allowConfigChange;

    @Override
    public Integer call() throws IOException {
        return StageCommands.run(Stage.REWARD_MODEL, config, overrides, runDir, force, allowConfigChange, spec.commandLine().getOut(),
                RmTrainCommand::summary);
    }

    private static String summary(Map<String, Object> r) {
        String s = String.format(Locale.ROOT, "rm: %.0f steps on %.0f pairs (%.0f groups, %.0f ties left out), %.1f pairs/s -> %s",
                StageCommands.number(r, "steps"), StageCommands.number(r, "trainPairs"),
                StageCommands.number(r, "trainGroups"), StageCommands.number(r, "tiesSkipped"),
                StageCommands.number(r, "pairsPerSecond"), r.get("modelDir"));
        if (r.get("eval") instanceof Map<?, ?> eval && eval.get("accuracy") instanceof Number acc) {
            s += String.format(Locale.ROOT, "; held-out accuracy %.4f", acc.doubleValue());
        }
        return s;
    }
}
