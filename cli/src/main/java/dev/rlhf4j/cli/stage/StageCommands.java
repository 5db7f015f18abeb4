package dev.rlhf4j.cli.stage;

import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.core.train.OnConfigChange;
import dev.rlhf4j.pipeline.Pipeline;
import dev.rlhf4j.pipeline.RunConfig;
import dev.rlhf4j.pipeline.Stage;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@code sft}, {@code rm train} and {@code ppo} share: the config resolved exactly as {@code
 * pipeline} resolves it ({@link RunConfig}: {@code ${run}}, outputs in {@code <run>/<stage>/model},
 * inputs chained from the earlier stages' outputs, the top-level seed), then that one stage run
 * through the {@link Pipeline} (the run directory claimed and locked, inputs checked first, a
 * finished stage skipped unless forced, an interrupted one resumed unless its config changed). {@code rlhf4j sft -c X} is {@code rlhf4j pipeline -c X --only sft}.
 *
 * <p>Errors go to the command line's handler ({@code dev.rlhf4j.cli.ErrorHandler}): exit 1 a data,
 * model or resume error, 2 a config error.
 */
public final class StageCommands {

    private StageCommands() {}

    /**
     * Runs one stage and prints {@code summary} of its result (the stage's {@code done.json}).
     *
     */
    public static int run(Stage stage, StageOptions options, PrintWriter out, Function<Map<String, Object>, String> summary)
            throws IOException {
        RunConfig run = new RunConfig(ConfigFile.load(options.config, options.overrides), options.runDir);
        if (!run.stages().contains(stage)) {
            throw new ConfigException(options.config + ": no " + stage.key() + ": section, so there is nothing to run");
        }
        Map<String, Object> result;
        try (Pipeline pipeline = Pipeline.open(run, List.of())) {
            result = pipeline.run(EnumSet.of(stage), options.force,
                    options.allowConfigChange ? OnConfigChange.ALLOW : OnConfigChange.REFUSE)
                    .get(stage);
        }
        out.println(summary.apply(result) + " (" + run.runDir().resolve(stage.key()).resolve("done.json") + ")");
        out.flush();
        return 0;
    }

    /** A number of the result, for summaries. */
    public static double number(Map<String, Object> result, String key) {
        return result.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
