package dev.rlhf4j.data;

import dev.rlhf4j.data.clean.ConflictRule;
import dev.rlhf4j.data.importers.FormatOptions;
import dev.rlhf4j.data.io.OutputFiles;
import dev.rlhf4j.data.io.ReadLimits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What to import and how. Built with {@link #builder()}: {@code setX} for the required inputs and
 * output, {@code optX} for the rest.
 *
 * @param inputs files to import, in order (several formats may be mixed with {@code auto})
 * @param output the canonical JSON Lines file to write ({@code .gz} to compress)
 * @param rejects where rejected records go, as {@code file:line: reason} followed by the raw
 *     record on the next line (default: {@code OUTPUT.rejects.txt}, created only when needed)
 * @param format a format name (see {@code rlhf4j data formats}) or {@code auto} (default):
 *     detected per file from its first records
 * @param strict stop at the first rejected record, with its message
 * @param dedupe drop exact and normalised duplicates, resolving conflicts by {@code conflictRule}
 * @param conflictRule what to do with the same pair labelled both ways (default majority)
 * @param formatOptions importer options ({@code key=value})
 * @param source overrides every record's {@code source} (default: the format's name)
 * @param readLimits the longest record (default 64 MiB: a longer JSON Lines line is rejected, a
 *     longer CSV row or JSON array element ends its file) and the most a gzip-compressed Parquet
 *     file may decompress to (default 4 GiB); see {@link ReadLimits}
 * @param log progress and detection messages (default: none)
 */
public record ImportOptions(List<Path> inputs, Path output, Path rejects, String format, boolean strict,
        boolean dedupe, ConflictRule conflictRule, FormatOptions formatOptions, String source,
        ReadLimits readLimits, Consumer<String> log) {

    public static final String AUTO = "auto";

    public ImportOptions {
        inputs = List.copyOf(inputs);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("import.inputs must name at least one file, but is empty");
        }
        Objects.requireNonNull(output, "import.output");
        OutputFiles.checkNotAnInput("import.output", output, inputs);
        if (rejects == null) {
            rejects = output.resolveSibling(output.getFileName() + ".rejects.txt");
        }
        OutputFiles.checkNotAnInput("import.rejects", rejects, inputs);
        if (format == null) {
            format = AUTO;
        }
        if (conflictRule == null) {
            conflictRule = ConflictRule.MAJORITY;
        }
        if (formatOptions == null) {
            formatOptions = FormatOptions.NONE;
        }
        if (readLimits == null) {
            readLimits = ReadLimits.DEFAULT;
        }
        if (log == null) {
            log = m -> { };
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder: {@code setX} for required values, {@code optX} for optional ones. */
    public static final class Builder {
        private final List<Path> inputs = new ArrayList<>();
        private Path output;
        private Path rejects;
        private String format = AUTO;
        private boolean strict;
        private boolean dedupe;
        private ConflictRule conflictRule = ConflictRule.MAJORITY;
        private FormatOptions formatOptions = FormatOptions.NONE;
        private String source;
        private long maxLineBytes = ReadLimits.DEFAULT_MAX_RECORD_BYTES;
        private long maxParquetBytes = ReadLimits.DEFAULT_MAX_DECOMPRESSED_BYTES;
        private Consumer<String> log;

        private Builder() {}

        public Builder addInput(Path input) {
            inputs.add(input);
            return this;
        }

        public Builder setInputs(List<Path> inputs) {
            this.inputs.clear();
            this.inputs.addAll(inputs);
            return this;
        }

        public Builder setOutput(Path output) {
            this.output = output;
            return this;
        }

        public Builder optRejects(Path rejects) {
            this.rejects = rejects;
            return this;
        }

        public Builder optFormat(String format) {
            this.format = format;
            return this;
        }

        public Builder optStrict(boolean strict) {
            this.strict = strict;
            return this;
        }

        public Builder optDedupe(boolean dedupe) {
            this.dedupe = dedupe;
            return this;
        }

        public Builder optConflictRule(ConflictRule rule) {
            this.conflictRule = rule;
            return this;
        }

        public Builder optFormatOptions(FormatOptions options) {
            this.formatOptions = options;
            return this;
        }

        public Builder optSource(String source) {
            this.source = source;
            return this;
        }

        /** The longest record, in bytes (default 64 MiB). */
        public Builder optMaxLineBytes(long maxLineBytes) {
            this.maxLineBytes = maxLineBytes;
            return this;
        }

        /** The most a gzip-compressed Parquet file may decompress to, in bytes (default 4 GiB). */
        public Builder optMaxParquetBytes(long maxParquetBytes) {
            this.maxParquetBytes = maxParquetBytes;
            return this;
        }

        public Builder optLog(Consumer<String> log) {
            this.log = log;
            return this;
        }

        public ImportOptions build() {
            return new ImportOptions(inputs, output, rejects, format, strict, dedupe, conflictRule,
                    formatOptions, source, new ReadLimits(maxLineBytes, maxParquetBytes), log);
        }
    }
}
