package dev.rlhf4j.cli;

import dev.rlhf4j.core.util.TorchProfiler;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The {@code rlhf4j} command: parses arguments, then calls the stage. Errors are one line each and
 * map to the exit codes of {@link ErrorHandler}; {@code --debug} adds stack traces and DJL's log.
 */
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
            dev.rlhf4j.cli.stage.DpoCommand.class,
            dev.rlhf4j.cli.stage.PpoCommand.class,
            dev.rlhf4j.cli.bon.BestOfNCommand.class,
            dev.rlhf4j.cli.model.GenerateCommand.class,
            dev.rlhf4j.cli.model.PerplexityCommand.class,
            dev.rlhf4j.cli.model.ModelCommand.class,
            dev.rlhf4j.cli.bench.BenchCommand.class,
        })
public final class Rlhf4j implements Runnable {

    /**
     * The slf4j-simple key of DJL's log level: WARN by default (simplelogger.properties), so the
     * engine's INFO lines stay out of the output; DEBUG with {@code --debug}.
     */
    static final String DJL_LOG_LEVEL = "org.slf4j.simpleLogger.log.ai.djl";

    private static final String PROFILE_OPTION = "--torch-profile";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    // read from the parse result (ErrorHandler.debug), which also sees RLHF4J_DEBUG
    @Option(names = ErrorHandler.DEBUG_OPTION, scope = CommandLine.ScopeType.INHERIT,
            description = "On an error, print the stack trace; show DJL's log down to DEBUG. Also: RLHF4J_DEBUG=1.")
    boolean debug;

    @Option(names = PROFILE_OPTION, scope = CommandLine.ScopeType.INHERIT, paramLabel = "TRACE.json",
            description = "Record libtorch's profile of the command (every operation, with shapes) as a Chrome trace;"
                    + " tools/trace_ops.py sums it per operation.")
    Path torchProfile;

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
        ErrorHandler errors = new ErrorHandler();
        CommandLine cl = new CommandLine(new Rlhf4j())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionStrategy(Rlhf4j::execute)
                .setExecutionExceptionHandler(errors)
                .setParameterExceptionHandler(errors)
                .setExitCodeExceptionMapper(errors);
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(ErrorHandler.exitCodeList());
        return cl;
    }

    /** Runs the last command of the line; an {@link Error} (out of memory, ...) is reported like an exception. */
    private static int execute(ParseResult parseResult) {
        if (ErrorHandler.debug(parseResult)) {
            // before DJL's classes create their loggers
            System.setProperty(DJL_LOG_LEVEL, "debug");
        }
        Path trace = torchProfile(parseResult);
        if (trace != null) {
            TorchProfiler.start();
        }
        try {
            return new CommandLine.RunLast().execute(parseResult);
        } catch (Error e) {
            List<CommandLine> commands = parseResult.asCommandLineList();
            throw new CommandLine.ExecutionException(commands.get(commands.size() - 1), e.toString(), e);
        } finally {
            if (trace != null) {
                TorchProfiler.stop(trace);
            }
        }
    }

    /** The trace file of {@value #PROFILE_OPTION}, on whichever command of the line it was given, or null. */
    private static Path torchProfile(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(PROFILE_OPTION)) {
                return p.matchedOptionValue(PROFILE_OPTION, null);
            }
        }
        return null;
    }
}
