package dev.rlhf4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rlhf4j} command: parses arguments, then calls the stage. */
@Command(
        name = "rlhf4j",
        mixinStandardHelpOptions = true,
        version = "rlhf4j 0.1.0",
        description = "RLHF alignment toolkit for the JVM: SFT, reward models and PPO.",
        subcommands = {
            CommandLine.HelpCommand.class,
            dev.rlhf4j.cli.demo.DemoCommand.class,
            dev.rlhf4j.cli.pipeline.PipelineCommand.class,
            dev.rlhf4j.cli.data.DataCommand.class,
            dev.rlhf4j.cli.stage.SftCommand.class,
            dev.rlhf4j.cli.rm.RmCommand.class,
            dev.rlhf4j.cli.stage.PpoCommand.class,
            dev.rlhf4j.cli.model.GenerateCommand.class,
            dev.rlhf4j.cli.model.PerplexityCommand.class,
            dev.rlhf4j.cli.model.ModelCommand.class,
            dev.rlhf4j.cli.bench.BenchCommand.class,
        })
public final class Rlhf4j implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // DJL must never reach for the network: libtorch comes from the native jar on the classpath.
        System.setProperty("ai.djl.offline", "true");
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by main and the tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new Rlhf4j()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
