package dev.rlhf4j.data.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.io.CountingInputStream;
import dev.rlhf4j.data.record.RecordJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * JSON Lines: one record per non-blank line; a line that is not JSON becomes an error record.
 * Lines are split as bytes and parsed by Jackson straight from UTF-8 (its fastest path); a line's
 * text is decoded only when it is needed for the rejects file. A line longer than the limit is
 * never held whole: the rest of it is skipped and it becomes an error record (the rejects file
 * gets its first {@value #PREVIEW_BYTES} bytes).
 */
final class JsonlSource extends AbstractRecordSource {

    /** Bytes of an over-long line kept for the rejects file. */
    static final int PREVIEW_BYTES = 1024;

    private final CountingInputStream counting;
    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private boolean eof;
    private byte[] line = new byte[1 << 12];
    private int lineLen;
    private boolean overLong; // the line passed maxLineBytes: only its start is in line
    private long lineNo;

    JsonlSource(String file, boolean gzip, CountingInputStream counting, InputStream in, long maxLineBytes) {
        super(file, gzip, Container.JSONL);
        this.counting = counting;
        this.in = in;
        this.maxLineBytes = Math.toIntExact(maxLineBytes);
    }

    /** Reads the next line into {@code line}; false at the end of the input. */
    private boolean readLine() throws IOException {
        lineLen = 0;
        overLong = false;
        boolean any = false;
        while (true) {
            if (pos == limit) {
                if (eof) {
                    return any;
                }
                limit = in.read(buf, 0, buf.length);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    eof = true;
                    return any;
                }
            }
            any = true;
            int start = pos;
            while (pos < limit && buf[pos] != '\n') {
                pos++;
            }
            append(start, pos - start);
            if (pos < limit) {
                pos++; // the newline
                if (lineLen > 0 && line[lineLen - 1] == '\r' && !overLong) {
                    lineLen--;
                }
                return true;
            }
        }
    }

    private void append(int from, int n) {
        if (overLong) {
            return;
        }
        if ((long) lineLen + n > maxLineBytes + 1L) { // + 1: a '\r' before the newline is not counted
            int keep = Math.max(0, Math.min(n, PREVIEW_BYTES - lineLen)); // the buffer holds 4 KiB at least
            System.arraycopy(buf, from, line, lineLen, keep);
            lineLen += keep;
            overLong = true;
            return;
        }
        if (lineLen + n > line.length) {
            line = Arrays.copyOf(line, (int) Math.min(maxLineBytes + 1L, Math.max(2L * line.length, lineLen + n)));
        }
        System.arraycopy(buf, from, line, lineLen, n);
        lineLen += n;
    }

    private boolean blank() {
        if (overLong) {
            return false;
        }
        for (int i = 0; i < lineLen; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\f') {
                return false;
            }
        }
        return true;
    }

    @Override
    RawRecord read() {
        try {
            do {
                if (!readLine()) {
                    return null;
                }
                lineNo++;
            } while (blank());
        } catch (IOException e) {
            throw new InputException(file() + ": " + RecordSources.describe(e, gzip())
                    + " after line " + lineNo + "; the records before it were read", e);
        }
        if (overLong || lineLen > maxLineBytes) {
            String preview = new String(line, 0, Math.min(lineLen, PREVIEW_BYTES), StandardCharsets.UTF_8) + "...";
            return new RawRecord(file(), lineNo, null, preview,
                    "line longer than " + maxLineBytes + " bytes (--max-line-bytes)");
        }
        return parse(Arrays.copyOf(line, lineLen)); // a byte order mark was skipped when the file was opened
    }

    private RawRecord parse(byte[] bytes) {
        try {
            JsonNode node = RecordJson.MAPPER.readTree(bytes);
            return new RawRecord(file(), lineNo, node, () -> new String(bytes, StandardCharsets.UTF_8), null);
        } catch (JsonProcessingException e) {
            return new RawRecord(file(), lineNo, null, new String(bytes, StandardCharsets.UTF_8), "malformed JSON: " + jsonProblem(e));
        } catch (IOException e) {
            return new RawRecord(file(), lineNo, null, new String(bytes, StandardCharsets.UTF_8), "malformed JSON: " + e.getMessage());
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
    public long bytesRead() {
        return counting.getCount();
    }

    @Override
    void closeInput() {
        try {
            in.close();
        } catch (IOException e) {
            // nothing left to read: closing cannot lose data
        }
    }
}
