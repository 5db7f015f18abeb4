package dev.rlhf4j.cli.rm;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rlhf4j rm}: train, evaluate and apply reward models. */
@Command(
        name = "rm",
        mixinStandardHelpOptions = true,
        description = "Reward models: train on preference pairs, evaluate, score records.",
        subcommands = {RmTrainCommand.class, RmEvalCommand.class, RmScoreCommand.class})
public final class RmCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
