package dev.rlhf4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.clean.Deduplicator;
import dev.rlhf4j.data.importers.Formats;
import dev.rlhf4j.data.importers.PreferenceImporter;
import dev.rlhf4j.data.io.InputException;
import dev.rlhf4j.data.io.RawRecord;
import dev.rlhf4j.data.io.RecordSource;
import dev.rlhf4j.data.io.RecordSources;
import dev.rlhf4j.data.io.RecordWriter;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordValidator;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Imports export files into canonical JSON Lines, streaming record by record:
 *
 * <ol>
 *   <li>open each input ({@code .jsonl/.json/.csv/.parquet}, gzip detected) and choose its format:
 *       given, or detected from its first {@value #DETECT_SAMPLE} parseable records (logged);
 *   <li>convert every record with the format's importer; a record that cannot be converted, or a
 *       pair that fails {@link RecordValidator}, is rejected: {@code file:line: reason} and the raw
 *       record go to the rejects file ({@code strict}: the import stops with that message);
 *   <li>write the records, or with {@code dedupe} pass them through the {@link Deduplicator}
 *       (two passes over a temporary file);
 *   <li>return the {@link ImportSummary}: {@code read = written + rejected + duplicates}.
 * </ol>
 * A file that cannot be read on (corrupt or truncated gzip, broken JSON array) stops the import
 * with an {@link ImportException} naming the file; everything read before it is written and
 * counted in the exception's summary. An output that cannot be written (a full disk) stops it
 * too, and then nothing reaches the output and rejects paths: both are written beside their
 * final paths and renamed into place only once complete.
 */
public final class PreferenceImport {

    static final int DETECT_SAMPLE = 5;

    /**
     * Where {@link #collect} hands each accepted record.
     *
     * @see Deduplicator#add(PreferenceRecord, String, String) for {@code origin} and {@code position}
     */
    @FunctionalInterface
    public interface Sink {
        void accept(PreferenceRecord r, String origin, String position);
    }

    private final ImportOptions options;
    private Sink sink;
    private long collected;
    private final Map<String, PreferenceImporter> importers = new HashMap<>();
    private final Map<String, Long> reasons = new HashMap<>();
    private final List<ImportSummary.FileSummary> files = new ArrayList<>();
    private BufferedWriter rejectsOut;
    private Path rejectsTemp;
    private long read;
    private long inputRecords;
    private long written;
    private long rejected;
    private long bytes;

    private PreferenceImport(ImportOptions options) {
        this.options = options;
    }

    /**
     * Runs an import.
     *
     * @throws ImportException when a file cannot be read on, a format cannot be detected, or (with
     *     {@code strict}) at the first rejected record; its summary holds the counts so far
     * @throws IllegalArgumentException for an unknown format or option
     */
    public static ImportSummary run(ImportOptions options) {
        return prepare(options).execute();
    }

    private static PreferenceImport prepare(ImportOptions options) {
        if (!options.format().equals(ImportOptions.AUTO) && Formats.byName(options.format()).isEmpty()) {
            throw new IllegalArgumentException("import.format must be auto or one of " + Formats.names()
                    + ", but is: " + options.format());
        }
        Formats.checkOptionKeys(options.formatOptions());
        PreferenceImport run = new PreferenceImport(options);
        for (Formats.Format f : Formats.all()) {
            // creating every importer up front checks every option value before anything is read
            run.importers.put(f.name(), f.factory().apply(options.formatOptions()));
        }
        return run;
    }

    /**
     * Imports as {@link #run} does, but hands every accepted record to {@code sink} instead of
     * writing it (and ignores {@code dedupe}): for a distributed import, where tasks read the files
     * and deduplication groups the records elsewhere ({@link Deduplicator#mergeGroup}). Rejects go
     * to the rejects file as usual; the summary's {@code written} counts the records handed over.
     */
    public static ImportSummary collect(ImportOptions options, Sink sink) {
        PreferenceImport run = prepare(options);
        run.sink = Objects.requireNonNull(sink, "sink");
        return run.execute();
    }

    private ImportSummary execute() {
        long start = System.nanoTime();
        Path output = options.output();
        Deduplicator dedupe = options.dedupe() && sink == null
                ? new Deduplicator(output.toAbsolutePath().getParent(), options.conflictRule()) : null;
        RecordWriter out = sink == null ? new RecordWriter(output) : null;
        String failure = null;
        Throwable cause = null;
        Deduplicator.Result dedupeResult = null;
        try {
            try {
                for (Path input : options.inputs()) {
                    importFile(input, out, dedupe);
                }
            } catch (StopImport e) {
                // an unreadable input: what was read before it is still written and counted
                failure = e.getMessage();
                cause = e.getCause();
            }
            if (dedupe != null) {
                dedupeResult = dedupe.finish(out, this::reject);
                written = dedupeResult.written();
            } else if (out != null) {
                written = out.written();
            } else {
                written = collected;
            }
            if (out != null) {
                out.close();
            }
            closeRejects();
        } catch (RuntimeException e) {
            // the output or rejects could not be written (a full disk): neither path gets a partial file
            if (out != null) {
                out.abort();
            }
            abortRejects();
            if (dedupe != null) {
                dedupe.close();
            }
            if (e instanceof UncheckedIOException io) {
                throw new ImportException(io.getMessage(), null, io);
            }
            throw e;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ImportSummary summary = new ImportSummary(read, inputRecords, written, rejected,
                dedupeResult == null ? 0 : dedupeResult.exactDuplicates(),
                dedupeResult == null ? 0 : dedupeResult.normalisedDuplicates(),
                dedupeResult == null ? 0 : dedupeResult.conflicts(),
                dedupeResult == null ? List.of() : dedupeResult.conflictExamples(),
                files, reasons, output, rejected > 0 ? options.rejects() : null, bytes, seconds);
        if (failure != null) {
            throw new ImportException(failure, summary, cause);
        }
        return summary;
    }

    /** Ends the import with a message that names the file. */
    private static final class StopImport extends RuntimeException {
        StopImport(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private void importFile(Path input, RecordWriter out, Deduplicator dedupe) {
        RecordSource source;
        try {
            source = RecordSources.open(input, options.readLimits());
        } catch (InputException e) {
            throw new StopImport(e.getMessage(), e);
        }
        long fileRecords = 0;
        long fileRead = 0;
        long fileRejected = 0;
        String format = options.format();
        boolean detected = format.equals(ImportOptions.AUTO);
        try (source) {
            List<RawRecord> head = new ArrayList<>();
            Iterator<RawRecord> rest = source;
            if (detected) {
                List<JsonNode> sample = new ArrayList<>();
                try {
                    while (sample.size() < DETECT_SAMPLE && source.hasNext()) {
                        RawRecord r = source.next();
                        head.add(r);
                        if (r.ok()) {
                            sample.add(r.node());
                        }
                    }
                } catch (InputException e) {
                    if (sample.isEmpty()) {
                        for (RawRecord r : head) { // unparseable lines before the damage
                            fileRecords++;
                            inputRecords++;
                            fileRead++;
                            read++;
                            fileRejected++;
                            reject(r.where(), r.error(), r.raw());
                        }
                        throw new StopImport(e.getMessage(), e);
                    }
                    // detect from what was read; the error comes back when reading on
                    rest = failing(e);
                }
                if (head.isEmpty()) {
                    options.log().accept(source.file() + ": no records");
                    format = "none";
                    return;
                }
                Formats.Format f = Formats.detect(sample).orElse(null);
                if (f == null) {
                    // account for what was read, then stop: the user must name the format
                    format = "unknown";
                    for (RawRecord r : head) {
                        fileRecords++;
                        inputRecords++;
                        fileRead++;
                        read++;
                        fileRejected++;
                        reject(r.where(), r.ok() ? "format not detected" : r.error(), r.raw());
                    }
                    throw new StopImport(source.file() + ": cannot detect the format from the first " + head.size()
                            + " records (first record keys: " + String.join(", ",
                            Formats.keysOf(sample.isEmpty() ? null : sample.get(0)))
                            + "); pass --format with one of: " + Formats.names(), null);
                }
                format = f.name();
                options.log().accept(source.file() + ": detected format " + format + " (from the first "
                        + sample.size() + " records)");
            }
            PreferenceImporter importer = importer(format);
            Iterator<RawRecord> records = head.isEmpty() ? rest : concat(head.iterator(), rest);
            String fileKey = canonical(input);
            try {
                while (records.hasNext()) {
                    RawRecord raw = records.next();
                    fileRecords++;
                    inputRecords++;
                    long before = rejected;
                    fileRead += convert(raw, importer, out, dedupe, fileKey + ":" + fileRecords);
                    fileRejected += rejected - before;
                }
            } catch (InputException e) {
                throw new StopImport(e.getMessage(), e);
            }
        } finally {
            bytes += source.bytesRead();
            files.add(new ImportSummary.FileSummary(source.file(), format, detected, source.container().name(),
                    source.gzip(), fileRecords, fileRead, fileRejected));
        }
    }

    /** The same file however it was named, so that importing it twice counts its votes once. */
    private static String canonical(Path input) {
        try {
            return input.toRealPath().toString();
        } catch (IOException e) {
            return input.toAbsolutePath().normalize().toString();
        }
    }

    /**
     * Converts one raw record; returns the units it counts for.
     *
     * @param position the file and the record's number in it: with the pair's number, where its
     *     vote was cast (see {@link Deduplicator})
     */
    private long convert(RawRecord raw, PreferenceImporter importer, RecordWriter out, Deduplicator dedupe,
            String position) {
        if (!raw.ok()) {
            read++;
            rejectOrStop(raw, raw.error());
            return 1;
        }
        List<PreferenceRecord> records;
        try {
            records = importer.convert(raw.node());
        } catch (InvalidRecordException e) {
            read++;
            rejectOrStop(raw, e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            // an importer bug must not lose the record: it is rejected and counted like any other
            // (the fuzz tests make sure no input gets here)
            read++;
            rejectOrStop(raw, "internal error in the " + importer.name() + " importer: " + e);
            return 1;
        }
        if (records.isEmpty()) {
            read++;
            rejectOrStop(raw, "no preference pair in the record");
            return 1;
        }
        int k = records.size();
        read += k;
        for (int i = 0; i < k; i++) {
            PreferenceRecord r = records.get(i);
            try {
                RecordValidator.validate(r);
            } catch (InvalidRecordException e) {
                rejectOrStop(raw, k == 1 ? e.getMessage() : "pair " + (i + 1) + " of " + k + ": " + e.getMessage());
                continue;
            }
            if (options.source() != null) {
                r = r.toBuilder().source(options.source()).build();
            }
            if (sink != null) {
                sink.accept(r, raw.where(), position + "#" + i);
                collected++;
            } else if (dedupe != null) {
                dedupe.add(r, raw.where(), position + "#" + i);
            } else {
                out.write(r);
            }
        }
        return k;
    }

    private void rejectOrStop(RawRecord raw, String reason) {
        reject(raw.where(), reason, raw.raw());
        if (options.strict()) {
            throw new StopImport(raw.where() + ": " + reason, null);
        }
    }

    private void reject(String where, String reason, String raw) {
        rejected++;
        reasons.merge(kind(reason), 1L, Long::sum);
        try {
            if (rejectsOut == null) {
                Path p = options.rejects();
                Path parent = p.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                rejectsTemp = p.toAbsolutePath().resolveSibling("." + p.getFileName() + ".tmp-" + UUID.randomUUID()
                        .toString().substring(0, 8));
                rejectsOut = Files.newBufferedWriter(rejectsTemp, StandardCharsets.UTF_8);
            }
            rejectsOut.write(where);
            rejectsOut.write(": ");
            rejectsOut.write(reason.replace('\n', ' '));
            rejectsOut.write('\n');
            rejectsOut.write(raw == null ? "" : raw.replace("\n", "\\n").replace("\r", "\\r"));
            rejectsOut.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(options.rejects() + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** The reason without its variable part: up to ", but is", " (" or a second ": ". */
    public static String kind(String reason) {
        int cut = reason.length();
        for (String stop : new String[] {", but ", " (", ": "}) {
            int i = reason.indexOf(stop);
            if (i > 0 && i < cut) {
                cut = i;
            }
        }
        if (reason.startsWith("pair ") && reason.indexOf(": ") > 0) {
            return kind(reason.substring(reason.indexOf(": ") + 2));
        }
        if (reason.startsWith("skipped: ") || reason.startsWith("malformed JSON: ")) {
            int colon = reason.indexOf(": ");
            return reason.substring(0, colon) + ": " + kind(reason.substring(colon + 2));
        }
        return reason.substring(0, cut);
    }

    /** Finishes the rejects file and renames it into place (written beside it, like the output). */
    private void closeRejects() {
        if (rejectsOut != null) {
            try {
                rejectsOut.close();
                rejectsOut = null;
                Files.move(rejectsTemp, options.rejects(), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(options.rejects() + ": cannot write (" + e.getMessage() + ")", e);
            }
        }
    }

    private void abortRejects() {
        if (rejectsTemp == null) {
            return;
        }
        try {
            if (rejectsOut != null) {
                rejectsOut.close();
            }
        } catch (IOException e) {
            // being discarded
        }
        try {
            Files.deleteIfExists(rejectsTemp);
        } catch (IOException e) {
            // a hidden leftover is harmless
        }
    }

    private PreferenceImporter importer(String format) {
        return importers.get(format);
    }

    /** An iterator that throws the given error when asked for more. */
    private static Iterator<RawRecord> failing(InputException e) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                throw e;
            }

            @Override
            public RawRecord next() {
                throw e;
            }
        };
    }

    private static <T> Iterator<T> concat(Iterator<T> a, Iterator<T> b) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return a.hasNext() || b.hasNext();
            }

            @Override
            public T next() {
                return a.hasNext() ? a.next() : b.next();
            }
        };
    }
}
