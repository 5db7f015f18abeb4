package dev.rlhf4j.spark;

import dev.rlhf4j.data.ImportOptions;
import dev.rlhf4j.data.clean.ConflictRule;
import dev.rlhf4j.data.importers.FormatOptions;
import dev.rlhf4j.data.io.ReadLimits;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ImportJob} imports and how: the options of {@code rlhf4j data import}, shipped to
 * every task.
 *
 * @param inputs files to import, in order; every executor must see them at these paths (a shared
 *     file system), since the importers read files
 * @param output the directory of the canonical JSON Lines parts ({@code part-00000}, ...; their
 *     concatenation is the single-machine output); must not exist
 * @param rejects the rejects file, written by the driver (default: {@code OUTPUT.rejects.txt})
 * @param format a format name or {@code auto}
 * @param formatOptions importer options ({@code key=value})
 * @param source overrides every record's {@code source}, or {@code null}
 * @param partitions partitions of the grouping and of the output (>= 1)
 */
public record ImportSettings(List<String> inputs, String output, String rejects, String format, boolean strict,
        boolean dedupe, ConflictRule conflictRule, Map<String, String> formatOptions, String source,
        long maxLineBytes, long maxParquetBytes, int partitions) implements Serializable {

    private static final long serialVersionUID = 1L;

    public ImportSettings {
        inputs = new ArrayList<>(inputs);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("import.inputs must name at least one file, but is empty");
        }
        Objects.requireNonNull(output, "import.output");
        if (rejects == null) {
            rejects = output + ".rejects.txt";
        }
        if (format == null) {
            format = ImportOptions.AUTO;
        }
        if (conflictRule == null) {
            conflictRule = ConflictRule.MAJORITY;
        }
        formatOptions = new LinkedHashMap<>(formatOptions == null ? Map.of() : formatOptions);
        if (maxLineBytes <= 0) {
            maxLineBytes = ReadLimits.DEFAULT_MAX_RECORD_BYTES;
        }
        if (maxParquetBytes <= 0) {
            maxParquetBytes = ReadLimits.DEFAULT_MAX_DECOMPRESSED_BYTES;
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("import.partitions must be >= 1, but is: " + partitions);
        }
    }

    /** The single-machine options for one input, its accepted records going to a sink (the task's). */
    ImportOptions forFile(String input, Path scratch) {
        return ImportOptions.builder()
                .addInput(Path.of(input))
                .setOutput(scratch.resolve("unused.jsonl"))
                .optRejects(scratch.resolve("rejects.txt"))
                .optFormat(format)
                .optStrict(strict)
                .optFormatOptions(new FormatOptions(formatOptions))
                .optSource(source)
                .optMaxLineBytes(maxLineBytes)
                .optMaxParquetBytes(maxParquetBytes)
                .build();
    }
}
