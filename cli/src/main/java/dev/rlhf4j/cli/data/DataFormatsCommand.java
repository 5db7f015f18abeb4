package dev.rlhf4j.cli.data;

import dev.rlhf4j.data.importers.Formats;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rlhf4j data formats}: each format with a one-line description and its options. */
@Command(name = "formats", mixinStandardHelpOptions = true, description = "List the import formats and their options.")
public final class DataFormatsCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        for (Formats.Format f : Formats.all()) {
            out.printf("%-22s %s%n", f.name(), f.description());
            for (Map.Entry<String, String> o : f.options().entrySet()) {
                out.printf("    -O %s=...  %s%n", o.getKey(), o.getValue());
            }
        }
        out.println();
        out.println("options for every format:");
        for (Map.Entry<String, String> o : Formats.GLOBAL_OPTIONS.entrySet()) {
            out.printf("    -O %s=...  %s%n", o.getKey(), o.getValue());
        }
        out.println("Files: .jsonl, .json (array or JSON Lines), .csv, .parquet, each optionally gzip-compressed.");
        out.flush();
    }
}
