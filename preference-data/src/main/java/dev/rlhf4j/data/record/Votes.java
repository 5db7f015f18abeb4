package dev.rlhf4j.data.record;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many judgements a record's pair received, relative to the record's own chosen/rejected:
 * every repeated judgement of a pair is a vote (HH-RLHF, Arena and every multi-annotator export
 * judge the same comparison many times), and a vote is never lost by deduplication.
 *
 * <p>Where a record's votes come from ({@link #of}), first match wins:
 * <ol>
 *   <li>{@code meta.votes = {"chosen": c, "rejected": r, "tie": t}}, written by deduplication when
 *       a pair has more than one vote (so re-reading a merged file gives the same counts);
 *   <li>its labels, one vote each;
 *   <li>otherwise one vote: for the chosen side, or a tie vote for a tie record.
 * </ol>
 *
 * <p>What training makes of them ({@link #chosenRate}, {@link #total}): under Bradley–Terry every
 * vote is an independent observation with {@code P(chosen ≻ rejected) = σ(Δ)}, so the
 * log-likelihood of a pair's votes is {@code total · [p̂ log σ(Δ) + (1 − p̂) log σ(−Δ)]} with
 * {@code p̂ = (chosen + tie / 2) / total} (a tie vote counts half each way, as Chatbot Arena's
 * ratings do).
 */
public record Votes(int chosen, int rejected, int tie) {

    /** The meta key holding the counts. */
    public static final String META_KEY = "votes";

    public Votes {
        if (chosen < 0 || rejected < 0 || tie < 0) {
            throw new IllegalArgumentException("vote counts must be >= 0, but are: chosen " + chosen + ", rejected "
                    + rejected + ", tie " + tie);
        }
    }

    /** The votes of a record; see the class comment. */
    public static Votes of(PreferenceRecord r) {
        Object meta = r.meta().get(META_KEY);
        if (meta instanceof Map<?, ?> m) {
            return new Votes(count(m, "chosen"), count(m, "rejected"), count(m, "tie"));
        }
        if (!r.labels().isEmpty()) {
            int[] n = new int[3];
            for (Label l : r.labels()) {
                n[l.preference().ordinal()]++;
            }
            return new Votes(n[Preference.CHOSEN.ordinal()], n[Preference.REJECTED.ordinal()], n[Preference.TIE.ordinal()]);
        }
        return r.tie() ? new Votes(0, 0, 1) : new Votes(1, 0, 0);
    }

    private static int count(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return 0;
        }
        if (!(v instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new InvalidRecordException("meta.votes." + key + " must be a count (an integer >= 0), but is: " + v);
        }
        return n.intValue();
    }

    /** All votes. */
    public int total() {
        return chosen + rejected + tie;
    }

    /** The share of votes for the chosen side, a tie vote counting half: the empirical P(chosen ≻ rejected). */
    public double chosenRate() {
        int n = total();
        return n == 0 ? 0.5 : (chosen + 0.5 * tie) / n;
    }

    /** The same votes seen from the pair with chosen and rejected swapped. */
    public Votes flipped() {
        return new Votes(rejected, chosen, tie);
    }

    public Votes plus(Votes other) {
        return new Votes(chosen + other.chosen, rejected + other.rejected, tie + other.tie);
    }

    /** As written under {@code meta.votes}. */
    public Map<String, Object> toMeta() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chosen", chosen);
        m.put("rejected", rejected);
        m.put("tie", tie);
        return m;
    }
}
