package dev.rlhf4j.data.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.io.CountingInputStream;
import dev.rlhf4j.data.record.RecordJson;
import java.io.IOException;

/**
 * A JSON array of records, read element by element with Jackson's streaming parser: only one
 * element is in memory at a time. JSON that breaks off or is malformed ends the file with an
 * {@link InputException} (the parser cannot resynchronise inside an array), and so does an element
 * longer than the record limit (see {@link ReadLimits}).
 */
final class JsonArraySource extends AbstractRecordSource {

    /** Reads one array element; the tokens after it are the rest of the array, not trailing junk. */
    private static final com.fasterxml.jackson.databind.ObjectReader ELEMENT = RecordJson.MAPPER.reader()
            .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final CountingInputStream counting;
    private final BoundedReader reader;
    private final JsonParser parser;
    private boolean started;
    private long lastLine;

    JsonArraySource(String file, boolean gzip, CountingInputStream counting, BoundedReader reader) throws IOException {
        super(file, gzip, Container.JSON_ARRAY);
        this.counting = counting;
        this.reader = reader;
        this.parser = RecordJson.MAPPER.createParser(reader);
    }

    @Override
    RawRecord read() {
        String file = file();
        try {
            if (!started) {
                started = true;
                JsonToken first = parser.nextToken();
                if (first != JsonToken.START_ARRAY) {
                    throw new InputException(file + ":1: expected a JSON array of records");
                }
            }
            reader.startRecord();
            JsonToken t = parser.nextToken();
            if (t == JsonToken.END_ARRAY || t == null) {
                if (t == null) {
                    throw new InputException(file + ": the JSON array is not closed (file ends after line "
                            + lastLine + "); the records before it were read");
                }
                JsonToken after = parser.nextToken();
                if (after != null) {
                    throw new InputException(file + ":" + parser.currentTokenLocation().getLineNr()
                            + ": unexpected content after the closing ']' of the JSON array");
                }
                return null;
            }
            long line = parser.currentTokenLocation().getLineNr();
            JsonNode node = ELEMENT.readTree(parser);
            lastLine = parser.currentLocation().getLineNr();
            return new RawRecord(file, line, node, node::toString, null);
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? lastLine : e.getLocation().getLineNr();
            throw new InputException(file + ":" + line + ": malformed JSON, the rest of the file cannot be read: "
                    + JsonlSource.jsonProblem(e), e);
        } catch (BoundedReader.RecordTooLongException e) {
            throw new InputException(file + ": the array element after line " + lastLine + " is a " + e.getMessage()
                    + "; the rest of the file cannot be read; the records before it were read", e);
        } catch (IOException e) {
            throw new InputException(file + ": " + RecordSources.describe(e, gzip())
                    + " after line " + lastLine + "; the records before it were read", e);
        }
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
            // read-only: nothing to lose
        }
    }
}
