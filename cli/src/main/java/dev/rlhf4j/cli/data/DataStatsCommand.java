package dev.rlhf4j.cli.data;

import dev.rlhf4j.data.io.OutputFiles;
import dev.rlhf4j.data.stats.DatasetStats;
import dev.rlhf4j.data.stats.StatsReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code rlhf4j data stats IN [--json OUT]}. Exit codes: 0 done, 1 unreadable input, 2 bad arguments. */
@Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        description = {
            "Counts by source and split, tie rate, lengths, per-annotator counts, agreement (raw, Cohen's kappa,",
            "Fleiss' kappa, Krippendorff's alpha), position and length bias, Bradley-Terry label aggregation."
        })
public final class DataStatsCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "Canonical JSON Lines file.")
    Path input;

    @Option(names = "--json", paramLabel = "OUT", description = "Also write the statistics as JSON.")
    Path json;

    @Override
    public Integer call() {
        if (json != null) {
            try {
                OutputFiles.checkNotAnInput("--json", json, List.of(input));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
            }
        }
        StatsReport report = DatasetStats.compute(input);
        spec.commandLine().getOut().print(report.render());
        spec.commandLine().getOut().flush();
        if (json != null) {
            try {
                Path temp = OutputFiles.temporaryFor(json);
                Files.writeString(temp, report.toJson() + System.lineSeparator(), StandardCharsets.UTF_8);
                OutputFiles.commit(temp, json);
            } catch (IOException e) {
                throw new UncheckedIOException(json + ": cannot write (" + e.getMessage() + ")", e);
            }
        }
        return 0;
    }
}
