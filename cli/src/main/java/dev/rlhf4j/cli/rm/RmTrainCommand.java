package dev.rlhf4j.cli.rm;

import dev.rlhf4j.cli.stage.StageCommands;
import dev.rlhf4j.cli.stage.StageOptions;
import dev.rlhf4j.pipeline.Stage;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code rlhf4j rm train -c CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--force]}: the
 * config's {@code reward_model:} section, resolved and run as {@code pipeline --only reward_model}
 * does (with its held-out evaluation), into {@code <run>/reward_model/}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a reward model on preference pairs: the config's reward_model: section (resumes if interrupted).")
public final class RmTrainCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin StageOptions options;

    @Override
    public Integer call() throws IOException {
        return StageCommands.run(Stage.REWARD_MODEL, options, spec.commandLine().getOut(),
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
