package dev.rlhf4j.cli.stage;

import dev.rlhf4j.cli.pipeline.Pipeline;
import dev.rlhf4j.cli.pipeline.RunConfig;
import dev.rlhf4j.cli.pipeline.Stage;
import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.config.ConfigFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@code sft}, {@code rm train} and {@code ppo} share: the config resolved exactly as {@code
 * pipeline} resolves it ({@link RunConfig}: {@code ${run}}, outputs in {@code <run>/<stage>/model},
 * inputs chained from the earlier stages' outputs, the top-level seed), then that one stage run
 * through the {@link Pipeline} (inputs checked first, a finished stage skipped unless forced, an
 * interrupted one resumed). {@code rlhf4j sft -c X} is {@code rlhf4j pipeline -c X --only sft}.
 *
 * <p>Exit codes: 0 done, 1 a data, model or resume error, 2 a config error.
 */
public final class StageCommands {

    private StageCommands() {}

    /**
     * Runs one stage and prints {@code summary} of its result (the stage's {@code done.json}).
     *
     * @param runDir the run directory; null: {@code <runs_dir>/<name>}
     */
    public static int run(Stage stage, String command, Path config, List<String> overrides, Path runDir, boolean force,
            PrintWriter out, PrintWriter err, Function<Map<String, Object>, String> summary) {
        RunConfig run;
        try {
            run = new RunConfig(ConfigFile.load(config, overrides), runDir);
            if (!run.stages().contains(stage)) {
                throw new ConfigException(config + ": no " + stage.key() + ": section, so there is nothing to run");
            }
        } catch (ConfigException e) {
            return fail(err, command, 2, e.getMessage());
        }
        try {
            Map<String, Object> result = new Pipeline(run, List.of()).run(EnumSet.of(stage), force).get(stage);
            out.println(summary.apply(result) + " (" + run.runDir().resolve(stage.key()).resolve("done.json") + ")");
            out.flush();
            return 0;
        } catch (ConfigException e) {
            return fail(err, command, 2, e.getMessage());
        } catch (IOException e) {
            return fail(err, command, 1, e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            return fail(err, command, 1, e.getMessage());
        }
    }

    private static int fail(PrintWriter err, String command, int code, String message) {
        err.println("rlhf4j " + command + ": " + message);
        err.flush();
        return code;
    }

    /** A number of the result, for summaries. */
    public static double number(Map<String, Object> result, String key) {
        return result.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
