package dev.rlhf4j.data.record;

import java.util.List;

/** Checks every record must pass before it is written, whatever its source format. */
public final class RecordValidator {

    private RecordValidator() {}

    /**
     * @throws InvalidRecordException with the reason when a side is empty, a message is blank, or
     *     chosen and rejected are identical
     */
    public static void validate(PreferenceRecord r) {
        checkSide("chosen", r.chosen());
        checkSide("rejected", r.rejected());
        for (int i = 0; i < r.prompt().size(); i++) {
            Message m = r.prompt().get(i);
            if (m.role().isBlank()) {
                throw new InvalidRecordException("prompt message " + (i + 1) + " has an empty role");
            }
        }
        if (r.chosen().equals(r.rejected())) {
            throw new InvalidRecordException("chosen and rejected are identical");
        }
        if (r.margin() != null && !Double.isFinite(r.margin())) {
            throw new InvalidRecordException("margin must be a finite number, but is: " + r.margin());
        }
    }

    private static void checkSide(String side, List<Message> messages) {
        if (messages.isEmpty()) {
            throw new InvalidRecordException(side + " is empty");
        }
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m.role().isBlank()) {
                throw new InvalidRecordException(side + " message " + (i + 1) + " has an empty role");
            }
            if (m.content().isBlank()) {
                throw new InvalidRecordException(messages.size() == 1
                        ? side + " text is empty"
                        : side + " message " + (i + 1) + " is empty");
            }
        }
    }
}
