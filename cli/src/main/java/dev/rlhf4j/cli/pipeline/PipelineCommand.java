package dev.rlhf4j.cli.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.core.train.OnConfigChange;
import dev.rlhf4j.pipeline.Pipeline;
import dev.rlhf4j.pipeline.RunConfig;
import dev.rlhf4j.pipeline.Stage;
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
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code rlhf4j pipeline -c CONFIG.yaml [--set k=v ...] [--from STAGE] [--only STAGE] [--force]
 * [--allow-config-change]}.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, description = "Run the stages a config names: data, sft, reward_model, dpo, ppo, eval.")
public final class PipelineCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
    public Integer call() throws Exception {
        Set<Stage> selected = EnumSet.allOf(Stage.class);
        try {
            if (only != null) {
                selected = EnumSet.of(Stage.parse("--only", only));
            } else if (from != null) {
                selected = EnumSet.range(Stage.parse("--from", from), Stage.EVAL);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        RunConfig run = new RunConfig(ConfigFile.load(config, overrides), runDir);
        Map<Stage, Map<String, Object>> results;
        try (Pipeline pipeline = Pipeline.open(run, List.of())) {
            results = pipeline.run(selected, force, allowConfigChange ? OnConfigChange.ALLOW : OnConfigChange.REFUSE);
        }
        spec.commandLine().getOut().println(JSON.writeValueAsString(results));
        spec.commandLine().getOut().flush();
        return 0;
    }

}
