package dev.rlhf4j.data.clean;

/**
 * What to do when duplicates of one pair disagree (one says A is better, another B, or tie).
 * Each distinct record is one vote (an exact re-import of the same record with the same labels
 * votes once).
 */
public enum ConflictRule {
    /**
     * Keep one record in the direction most records give; when the top directions have equal
     * votes the pair becomes a tie record ({@code tie: true}), which is what the annotations say.
     * The kept record holds every label, and {@code meta.votes} the counts.
     */
    MAJORITY,
    /** Drop every record of the pair; each goes to the rejects file with the reason. */
    DROP
}
