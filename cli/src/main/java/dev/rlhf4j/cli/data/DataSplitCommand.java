package dev.rlhf4j.cli.data;

import dev.rlhf4j.data.split.GroupSplitter;
import dev.rlhf4j.data.split.SplitOptions;
import dev.rlhf4j.data.split.SplitSummary;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code rlhf4j data split IN -o DIR --test 0.1 [--valid 0.05] [--seed S] [--keep-existing]}. */
@Command(
        name = "split",
        mixinStandardHelpOptions = true,
        description = {
            "Split a canonical file into DIR/train.jsonl, valid.jsonl and test.jsonl by group",
            "(group_id, else the prompt), never by record: no prompt lands in two splits."
        })
public final class DataSplitCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "Canonical JSON Lines file.")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output directory.")
    Path outDir;

    @Option(names = "--test", defaultValue = "0.1", description = "Share of records for test (default: ${DEFAULT-VALUE}).")
    double test;

    @Option(names = "--valid", defaultValue = "0", description = "Share of records for valid (default: ${DEFAULT-VALUE}).")
    double valid;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the group draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--keep-existing", description = "Keep the split records already have; draw only the others.")
    boolean keepExisting;

    @Override
    public Integer call() {
        SplitOptions options;
        try {
            options = new SplitOptions(test, valid, seed, keepExisting);
            GroupSplitter.checkOutputs(input, outDir);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        SplitSummary summary = GroupSplitter.run(input, outDir, options);
        spec.commandLine().getOut().print(summary.report());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
