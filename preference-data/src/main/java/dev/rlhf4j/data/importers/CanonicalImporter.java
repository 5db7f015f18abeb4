package dev.rlhf4j.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordJson;
import java.util.List;

/**
 * {@code rlhf4j}: our own canonical JSON Lines, so an existing dataset can be merged with new
 * exports (and deduplicated) in one import. Every key is checked; the id is re-derived from the
 * content.
 */
final class CanonicalImporter implements PreferenceImporter {

    static final String NAME = "rlhf4j";

    static boolean detect(JsonNode r) {
        return r.isObject() && r.has("id") && r.has("prompt") && r.has("chosen") && r.has("rejected")
                && r.get("chosen").isArray() && r.has("tie");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PreferenceRecord> convert(JsonNode record) {
        PreferenceRecord r = RecordJson.fromJson(record);
        if (r.source() == null) {
            r = r.toBuilder().source(NAME).build();
        }
        return List.of(r);
    }
}
