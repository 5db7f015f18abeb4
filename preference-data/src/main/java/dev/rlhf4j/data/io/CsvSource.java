package dev.rlhf4j.data.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.io.CountingInputStream;
import dev.rlhf4j.data.record.RecordJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * CSV with a header row (RFC 4180 quoting; fields may span lines). Each row becomes an object of
 * column name to string value; empty cells become empty strings. A row with the wrong number of
 * cells becomes an error record; a quote that is never closed ends the file, and so does a row
 * longer than the record limit (its end cannot be found without reading it: see {@link ReadLimits}).
 */
final class CsvSource extends AbstractRecordSource {

    private final CountingInputStream counting;
    private final BoundedReader reader;
    private final CSVParser parser;
    private final Iterator<CSVRecord> rows;
    private final List<String> header;
    private long lastLine = 1;

    CsvSource(String file, boolean gzip, CountingInputStream counting, BoundedReader reader) throws IOException {
        super(file, gzip, Container.CSV);
        this.counting = counting;
        this.reader = reader;
        try {
            this.parser = CSVFormat.RFC4180.builder()
                    .setHeader()
                    .setSkipHeaderRecord(true)
                    .setAllowMissingColumnNames(true)
                    .setIgnoreEmptyLines(true)
                    .get()
                    .parse(reader);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new InputException(file + ":1: unreadable CSV header: " + e.getMessage(), e);
        }
        this.header = parser.getHeaderNames();
        this.rows = parser.iterator();
        this.lastLine = parser.getCurrentLineNumber();
        reader.startRecord();
    }

    @Override
    RawRecord read() {
        String file = file();
        long line = lastLine + 1;
        CSVRecord row;
        try {
            if (!rows.hasNext()) {
                return null;
            }
            row = rows.next();
        } catch (UncheckedIOException | IllegalStateException e) {
            throw failure(e);
        }
        lastLine = parser.getCurrentLineNumber();
        reader.startRecord();
        ObjectNode node = RecordJson.MAPPER.createObjectNode();
        int n = Math.min(row.size(), header.size());
        for (int i = 0; i < n; i++) {
            node.put(header.get(i), row.get(i));
        }
        if (row.size() != header.size()) {
            for (int i = n; i < row.size(); i++) {
                node.put("_extra" + (i - n + 1), row.get(i));
            }
            return new RawRecord(file, line, null, node.toString(),
                    "expected " + header.size() + " CSV columns, found " + row.size());
        }
        return new RawRecord(file, line, node, node::toString, null);
    }

    private InputException failure(RuntimeException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        if (cause instanceof BoundedReader.RecordTooLongException) {
            return new InputException(file() + ": the row after line " + lastLine + " is a " + cause.getMessage()
                    + "; the rest of the file cannot be read (a quoted CSV cell may span lines); the records before"
                    + " it were read", e);
        }
        String what = cause instanceof IOException io && !(cause.getMessage() != null
                && cause.getMessage().contains("EOF reached before encapsulated token finished"))
                ? RecordSources.describe(io, gzip())
                : "malformed CSV, the rest of the file cannot be read (" + cause.getMessage() + ")";
        return new InputException(file() + ": " + what + " after line " + lastLine
                + "; the records before it were read", e);
    }




    @Override
    public long bytesRead() {
        return counting.getCount();
    }

    @Override
    void closeInput() {
        try {
            parser.close();
        } catch (IOException e) {
            // read-only
        }
    }
}
