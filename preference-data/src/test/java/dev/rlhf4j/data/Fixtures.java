package dev.rlhf4j.data;

import dev.rlhf4j.data.importers.FormatOptions;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Helpers for tests: the hand-written fixtures and a one-call import. */
public final class Fixtures {

    private Fixtures() {}

    public static Path fixture(String name) {
        return Path.of("src/test/resources/fixtures", name);
    }

    /** An import's summary, records written and rejects-file lines. */
    public record Result(ImportSummary summary, List<PreferenceRecord> records, List<String> rejects, List<String> log) {

        /** The reasons in the rejects file (every other line), without the {@code file:line: } prefix. */
        public List<String> reasons() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < rejects.size(); i += 2) {
                String l = rejects.get(i);
                int colon = l.indexOf(": ", l.indexOf(':', l.lastIndexOf('/') + 1));
                out.add(l.substring(colon + 2));
            }
            return out;
        }
    }

    public static Result run(Path dir, String format, FormatOptions options, boolean dedupe, Path... inputs) {
        List<String> log = new ArrayList<>();
        Path out = dir.resolve("out-" + System.nanoTime() + ".jsonl");
        ImportSummary s = PreferenceImport.run(ImportOptions.builder()
                .setInputs(List.of(inputs))
                .setOutput(out)
                .optFormat(format)
                .optFormatOptions(options)
                .optDedupe(dedupe)
                .optLog(log::add)
                .build());
        try {
            List<String> rejects = s.rejectsFile() == null ? List.of() : Files.readAllLines(s.rejectsFile());
            return new Result(s, PreferenceRecords.readAll(out), rejects, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Result run(Path dir, Path... inputs) {
        return run(dir, "auto", FormatOptions.NONE, false, inputs);
    }
}
