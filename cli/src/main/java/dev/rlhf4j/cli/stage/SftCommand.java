package dev.rlhf4j.cli.stage;

import dev.rlhf4j.core.config.ConfigException;
import dev.rlhf4j.core.config.ConfigFile;
import dev.rlhf4j.core.io.OwnedDirectory;
import dev.rlhf4j.core.io.RunLock;
import dev.rlhf4j.core.train.OnConfigChange;
import dev.rlhf4j.sft.SftConfig;
import dev.rlhf4j.sft.SftTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rlhf4j sft -c CONFIG.yaml [--set key=value ...] [--run-dir DIR] [--allow-config-change]}:
 * binds the config's {@code sft:} section and runs {@link SftTrainer}, resuming from the run
 * directory's newest checkpoint if it has one (unless keys that alter the training changed since,
 * see {@link dev.rlhf4j.core.train.ConfigChanges}). The run directory is rlhf4j's (created and
 * marked, or empty, or marked already) and locked while the stage runs. Exit codes: 0 done, 1 a
 * data, model, lock or resume error, 2 a config error.
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

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "where config.yaml (resolved), metrics.jsonl and checkpoints/ go (default: beside sft.output,"
                    + " named <output>-run)")
    Path runDir;

    @Option(names = "--allow-config-change", description = "resume an interrupted run even though keys that alter the training changed"
            + " since its checkpoint (they are listed as a warning)")
    boolean allowConfigChange;

    @Override
    public Integer call() throws IOException {
        ConfigFile cfg;
        SftConfig sft;
        try {
            cfg = ConfigFile.load(config, overrides);
            sft = cfg.bind("sft", SftConfig.class);
        } catch (ConfigException e) {
            return fail(2, e.getMessage());
        }
        Path dir = runDir != null ? runDir : sft.output().resolveSibling(sft.output().getFileName() + "-run");
        try {
            OwnedDirectory.claim(dir, "stage");
            try (RunLock lock = RunLock.acquire(dir)) {
                cfg.write(dir.resolve("config.yaml"));
                SftTrainer.run(sft, dir, System.out, allowConfigChange ? OnConfigChange.ALLOW : OnConfigChange.REFUSE);
            }
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            return fail(1, e.getMessage());
        }
        return 0;
    }

    private int fail(int code, String message) {
        spec.commandLine().getErr().println("rlhf4j sft: " + message);
        return code;
    }
}
