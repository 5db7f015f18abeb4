package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.util.List;

/**
 * Turns records of one export format into canonical records. An instance lives for one import
 * run (it may keep per-run state, such as SHP's pairs-per-post cap).
 */
public interface PreferenceImporter {

    /** The format's name, as given to {@code --format}. */
    String name();

    /**
     * Converts one input record. A ranking of K items gives up to K(K-1)/2 records sharing one
     * {@code group_id}.
     *
     * @return at least one record
     * @throws InvalidRecordException with the reason when the record cannot be converted (the only
     *     exception this method throws for bad input)
     */
    List<PreferenceRecord> convert(JsonNode record);
}
