package dev.rlhf4j.cli.stage;

import dev.rlhf4j.pipeline.Stage;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code rlhf4j dpo -c CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--force]}: the config's
 * {@code dpo:} section, resolved and run as {@code pipeline --only dpo} does ({@link StageCommands}),
 * into {@code <run>/dpo/}, resuming from its newest checkpoint if it has one.
 */
@Command(name = "dpo", mixinStandardHelpOptions = true,
        description = "Offline preference optimisation (DPO, IPO, hinge, robust, SimPO, ORPO) of the SFT model:"
                + " the config's dpo: section (resumes if interrupted).")
public final class DpoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin StageOptions options;

    @Override
    public Integer call() throws IOException {
        return StageCommands.run(Stage.DPO, options, spec.commandLine().getOut(), DpoCommand::summary);
    }

    static String summary(Map<String, Object> r) {
        Object eval = r.get("eval") instanceof Map<?, ?> m ? m.get("eval/rewards/accuracies") : null;
        return String.format(Locale.ROOT, "dpo: %s, %.0f steps, loss %.4f%s -> %s", r.get("lossType"),
                StageCommands.number(r, "steps"), StageCommands.number(r, "trainLoss"),
                eval instanceof Number n ? String.format(Locale.ROOT, ", held-out reward accuracy %.3f", n.doubleValue())
                        : "",
                r.get("output"));
    }
}
