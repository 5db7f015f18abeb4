package dev.rlhf4j.data;

import dev.rlhf4j.data.io.InputException;
import dev.rlhf4j.data.io.RawRecord;
import dev.rlhf4j.data.io.RecordSource;
import dev.rlhf4j.data.io.RecordSources;
import dev.rlhf4j.data.io.RecordWriter;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** Reading and writing canonical record files (JSON Lines, optionally gzip-compressed). */
public final class PreferenceRecords {

    private PreferenceRecords() {}

    /**
     * Streams the canonical records of a file, one at a time; close the stream (try-with-resources)
     * to close the file.
     *
     * @throws ImportException (while streaming) naming {@code file:line} and the reason at the
     *     first record that is not a valid canonical record, or when the file cannot be read
     */
    public static Stream<PreferenceRecord> read(Path path) {
        RecordSource source;
        try {
            source = RecordSources.open(path);
        } catch (InputException e) {
            throw new ImportException(e.getMessage(), null, e);
        }
        Iterator<PreferenceRecord> it = new Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return source.hasNext();
                } catch (InputException e) {
                    throw new ImportException(e.getMessage(), null, e);
                }
            }

            @Override
            public PreferenceRecord next() {
                RawRecord raw;
                try {
                    raw = source.next();
                } catch (InputException e) {
                    throw new ImportException(e.getMessage(), null, e);
                }
                if (!raw.ok()) {
                    throw new ImportException(raw.where() + ": " + raw.error(), null, null);
                }
                try {
                    return RecordJson.fromJson(raw.node());
                } catch (InvalidRecordException e) {
                    throw new ImportException(raw.where() + ": " + e.getMessage(), null, e);
                }
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(source::close);
    }

    /** All records of a file, in order (for small files). */
    public static List<PreferenceRecord> readAll(Path path) {
        try (Stream<PreferenceRecord> s = read(path)) {
            return s.toList();
        }
    }

    /** Writes records as canonical JSON Lines. */
    public static void write(Path path, Iterable<PreferenceRecord> records) {
        try (RecordWriter w = new RecordWriter(path)) {
            for (PreferenceRecord r : records) {
                w.write(r);
            }
        }
    }
}
