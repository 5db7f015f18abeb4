package dev.rlhf4j.cli.stage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every single-stage command shares ({@code sft}, {@code rm train}, {@code ppo}): those of {@code pipeline}. */
public final class StageOptions {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "CONFIG.yaml", description = "the run config")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "override a config key, e.g. --set ppo.lr=1e-5 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--run-dir", paramLabel = "DIR", description = "the run directory (default runs/<name>); the stage"
            + " writes its metrics, checkpoints and model to DIR/<stage>/")
    Path runDir;

    @Option(names = "--force", description = "run again even if the stage finished (deletes its directory; only ever"
            + " directories rlhf4j wrote)")
    boolean force;

    @Option(names = "--allow-config-change", description = "resume an interrupted stage even though keys that alter"
            + " the training changed since its checkpoint")
    boolean allowConfigChange;
}
