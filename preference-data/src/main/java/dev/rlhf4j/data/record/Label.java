package dev.rlhf4j.data.record;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * One annotator's raw judgement of a record's pair, kept so agreement can be computed.
 * Written as {@code {"annotator": "w1", "preference": "chosen", "strength": 2.0}}.
 *
 * @param annotator the annotator's id in the source export, or {@code null} when the export has
 *     per-rater judgements without rater ids (HelpSteer2)
 * @param preference {@code chosen}, {@code rejected} or {@code tie}, relative to this record
 * @param strength optional graded strength on the source's scale, {@code >= 0} (HelpSteer2: 1..3;
 *     summarize-from-feedback: distance of the 1..9 confidence from its midpoint 5); {@code null}
 *     when the source gives only a choice. The signed value (+strength for chosen, -strength for
 *     rejected, 0 for a tie) is what ordinal agreement is computed on.
 */
@JsonPropertyOrder({"annotator", "preference", "strength"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Label(String annotator, Preference preference, Double strength) {

    public Label {
        Objects.requireNonNull(preference, "label preference");
        if (strength != null && (strength.isNaN() || strength < 0)) {
            throw new IllegalArgumentException("label strength must be >= 0, but is: " + strength);
        }
    }

    public static Label of(String annotator, Preference preference) {
        return new Label(annotator, preference, null);
    }

    /** The same label for the pair with chosen and rejected swapped. */
    public Label flipped() {
        return new Label(annotator, preference.flipped(), strength);
    }

    /** +strength for chosen, -strength for rejected, 0 for a tie; strength 1 when ungraded. */
    public double signedValue() {
        double s = strength == null ? 1.0 : strength;
        return switch (preference) {
            case CHOSEN -> s;
            case REJECTED -> -s;
            case TIE -> 0.0;
        };
    }
}
