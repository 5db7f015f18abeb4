package dev.rlhf4j.cli.pipeline;

import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.core.train.OnConfigChange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rlhf4j pipeline -c CONFIG.yaml [--set k=v ...] [--from STAGE] [--only STAGE] [--force]
 * [--allow-config-change]}.
 * Exit codes: 0 done, 1 a data, model, lock or resume error, 2 a config error.
 */
@Command(name = "pipeline", description = "Run the stages a config names: data, sft, reward_model, ppo, eval.")
public final class PipelineCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = {"-c", "--config"}, required = true, description = "YAML run config") Path config;
    @Option(names = "--set", description = "override a key, e.g. ppo.lr=1e-5 (repeatable)") List<String> overrides = new ArrayList<>();
    @Option(names = "--from", description = "start at this stage (earlier ones must be done)") String from;
    @Option(names = "--only", description = "run only this stage") String only;
    @Option(names = "--force", description = "rerun stages that already finished (deletes their directories; only ever"
            + " directories rlhf4j wrote)") boolean force;
    @Option(names = "--run-dir", description = "run directory (default runs/<name>)") Path runDir;
    @Option(names = "--allow-config-change", description = "resume an interrupted run even though keys that alter the training changed"
            + " since its checkpoint (they are listed as a warning)") boolean allowConfigChange;

    @Override
    public Integer call() throws IOException {
        RunConfig run;
        Set<Stage> selected = EnumSet.allOf(Stage.class);
        try {
            run = new RunConfig(ConfigFile.load(config, overrides), runDir);
            if (only != null) {
                selected = EnumSet.of(Stage.parse(only));
            } else if (from != null) {
                selected = EnumSet.range(Stage.parse(from), Stage.EVAL);
            }
        } catch (IllegalArgumentException e) {
            return fail(2, e.getMessage());
        }
        Map<Stage, Map<String, Object>> results;
        try (Pipeline pipeline = Pipeline.open(run, List.of())) {
            results = pipeline.run(selected, force, allowConfigChange ? OnConfigChange.ALLOW : OnConfigChange.REFUSE);
        } catch (ConfigException e) {
            return fail(2, e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            return fail(1, e.getMessage());
        }
        spec.commandLine().getOut().println(Pipeline.JSON.writeValueAsString(results));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private int fail(int code, String message) {
        spec.commandLine().getErr().println("rlhf4j pipeline: " + message);
        return code;
    }
}
