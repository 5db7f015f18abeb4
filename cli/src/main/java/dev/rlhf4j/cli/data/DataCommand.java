package dev.rlhf4j.cli.data;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rlhf4j data}: preference data import, cleaning, splits and statistics. */
@Command(
        name = "data",
        mixinStandardHelpOptions = true,
        description = "Import preference annotations, split them by group, and measure their quality.",
        subcommands = {
            DataImportCommand.class,
            DataSplitCommand.class,
            DataStatsCommand.class,
            DataFormatsCommand.class,
        })
public final class DataCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
