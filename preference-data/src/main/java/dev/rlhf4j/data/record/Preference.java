package dev.rlhf4j.data.record;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What one annotator said about a record's pair, relative to the record's own chosen/rejected. */
public enum Preference {
    CHOSEN,
    REJECTED,
    TIE;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Preference parse(String value) {
        for (Preference p : values()) {
            if (p.json().equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "label preference must be one of chosen, rejected, tie, but is: " + value);
    }

    /** The same judgement seen from the pair with chosen and rejected swapped. */
    public Preference flipped() {
        return switch (this) {
            case CHOSEN -> REJECTED;
            case REJECTED -> CHOSEN;
            case TIE -> TIE;
        };
    }
}
