package dev.rlhf4j.data.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.io.CountingInputStream;
import dev.rlhf4j.data.record.RecordJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.NoSuchElementException;

/** JSON Lines: one record per non-blank line; a line that is not JSON becomes an error record. */
final class JsonlSource implements RecordSource {

    private final String file;
    private final boolean gzip;
    private final CountingInputStream counting;
    private final BufferedReader reader;
    private long lineNo;
    private RawRecord next;
    private boolean done;

    JsonlSource(String file, boolean gzip, CountingInputStream counting, BufferedReader reader) {
        this.file = file;
        this.gzip = gzip;
        this.counting = counting;
        this.reader = reader;
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (done) {
            return false;
        }
        String line;
        try {
            do {
                line = reader.readLine();
                if (line == null) {
                    done = true;
                    return false;
                }
                lineNo++;
            } while (line.isBlank());
        } catch (IOException e) {
            done = true;
            throw new InputException(file + ": " + RecordSources.describe(e, gzip)
                    + " after line " + lineNo + "; the records before it were read", e);
        }
        if (lineNo == 1 && line.charAt(0) == '\uFEFF') {
            line = line.substring(1);
        }
        next = parse(line);
        return true;
    }

    private RawRecord parse(String line) {
        try {
            JsonNode node = RecordJson.MAPPER.readTree(line);
            return new RawRecord(file, lineNo, node, line, null);
        } catch (JsonProcessingException e) {
            return new RawRecord(file, lineNo, null, line, "malformed JSON: " + jsonProblem(e));
        }
    }

    /** Jackson's message without its source excerpt, plus the column. */
    static String jsonProblem(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        int nl = m.indexOf('\n');
        if (nl > 0) {
            m = m.substring(0, nl);
        }
        if (e.getLocation() != null && e.getLocation().getColumnNr() > 0) {
            m += " (column " + e.getLocation().getColumnNr() + ")";
        }
        return m;
    }

    @Override
    public RawRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RawRecord r = next;
        next = null;
        return r;
    }

    @Override
    public String file() {
        return file;
    }

    @Override
    public Container container() {
        return Container.JSONL;
    }

    @Override
    public boolean gzip() {
        return gzip;
    }

    @Override
    public long bytesRead() {
        return counting.getCount();
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            // nothing left to read: closing cannot lose data
        }
    }
}
