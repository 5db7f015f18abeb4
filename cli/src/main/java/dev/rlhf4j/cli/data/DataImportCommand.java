package dev.rlhf4j.cli.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.data.ImportException;
import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.ImportSummary;
import dev.rlhf4j.data.PreferenceImport;
import dev.rlhf4j.data.clean.ConflictRule;
import dev.rlhf4j.data.importers.FormatOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code rlhf4j data import [--format F] IN... -o OUT.jsonl [--rejects FILE] [--strict] [--dedupe]}. */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = {
            "Import preference exports into canonical JSON Lines.",
            "Prints read = written + rejected + duplicates; rejected records go to the rejects file as"
                    + " 'file:line: reason' followed by the raw record.",
            "Exit codes: 0 done, 1 stopped (unreadable file, undetectable format, --strict, output not writable:"
                    + " then the output path is left as it was), 2 bad arguments."
        })
public final class DataImportCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "IN", description = "Input files: .jsonl, .json, .csv, .parquet, optionally .gz.")
    List<Path> inputs;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.jsonl", description = "Canonical output file (.gz to compress).")
    Path output;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "F",
            description = "Format name (see 'rlhf4j data formats') or auto: detected per file from its first records (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--rejects", paramLabel = "FILE", description = "Rejects file (default: OUT.rejects.txt, written only when needed).")
    Path rejects;

    @Option(names = "--strict", description = "Stop at the first rejected record with its message (exit 1).")
    boolean strict;

    @Option(names = "--dedupe", description = "Drop exact and normalised (case, whitespace) duplicates.")
    boolean dedupe;

    @Option(names = "--conflicts", defaultValue = "majority", paramLabel = "RULE",
            description = "With --dedupe, the same pair labelled both ways: majority (keep the majority direction; an even split becomes a tie) or drop (reject every record of the pair). Default: ${DEFAULT-VALUE}.")
    ConflictRule conflicts;

    @Option(names = {"-O", "--option"}, paramLabel = "KEY=VALUE",
            description = "Importer option, repeatable, e.g. -O shp.min_score_ratio=2 -O ties=skip (see 'rlhf4j data formats').")
    List<String> optionPairs = new ArrayList<>();

    @Option(names = "--options", paramLabel = "FILE", description = "Importer options from a .properties file or a flat JSON object; -O wins.")
    Path optionsFile;

    @Option(names = "--source", paramLabel = "NAME", description = "Write this as every record's source (default: the format name).")
    String source;

    @Option(names = "--max-line-bytes", defaultValue = "67108864", paramLabel = "N",
            description = "Longest record: a longer JSON Lines line is rejected, a longer CSV row or JSON array element"
                    + " stops the import (default: ${DEFAULT-VALUE}, 64 MiB).")
    long maxLineBytes;

    @Option(names = "--max-parquet-bytes", defaultValue = "4294967296", paramLabel = "N",
            description = "Most a gzip-compressed Parquet file may decompress to (default: ${DEFAULT-VALUE}, 4 GiB).")
    long maxParquetBytes;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ImportOptions options;
        try {
            List<String> pairs = new ArrayList<>(readOptionsFile(optionsFile));
            pairs.addAll(optionPairs);
            options = ImportOptions.builder()
                .setInputs(inputs)
                .setOutput(output)
                .optRejects(rejects)
                .optFormat(format)
                .optStrict(strict)
                .optDedupe(dedupe)
                .optConflictRule(conflicts)
                .optFormatOptions(FormatOptions.parse(pairs))
                .optSource(source)
                .optMaxLineBytes(maxLineBytes)
                .optMaxParquetBytes(maxParquetBytes)
                .optLog(m -> {
                    err.println(m);
                    err.flush();
                })
                .build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        try {
            ImportSummary summary = PreferenceImport.run(options);
            out.print(summary.report());
            out.flush();
            return 0;
        } catch (ImportException e) {
            // the counts up to the stop, then the error
            if (e.summary() != null) {
                out.print(e.summary().report());
                out.flush();
            }
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e); // an unknown format or option
        }
    }

    static List<String> readOptionsFile(Path file) throws IOException {
        List<String> pairs = new ArrayList<>();
        if (file == null) {
            return pairs;
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--options " + file + ": no such file");
        }
        if (file.getFileName().toString().endsWith(".json")) {
            JsonNode node;
            try {
                node = new ObjectMapper().readTree(file.toFile());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage());
            }
            if (!node.isObject()) {
                throw new IllegalArgumentException(file + ": options must be a JSON object of key: value");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                pairs.add(e.getKey() + "=" + (e.getValue().isArray() ? joined(e.getValue()) : e.getValue().asText()));
            }
        } else {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
            p.stringPropertyNames().stream().sorted().forEach(k -> pairs.add(k + "=" + p.getProperty(k)));
        }
        return pairs;
    }

    private static String joined(JsonNode array) {
        List<String> parts = new ArrayList<>();
        array.forEach(v -> parts.add(v.asText()));
        return String.join(",", parts);
    }
}
