package dev.rlhf4j.data.importers;

import dev.rlhf4j.data.record.InvalidRecordException;
import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.Message;
import dev.rlhf4j.data.record.Preference;
import dev.rlhf4j.data.record.PreferenceRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Rankings to pairs (FORMATS.md, "Rankings → pairs"). K candidates ranked by one or more
 * annotators give up to K(K−1)/2 records sharing one {@code group_id}. For each pair (i, j), each
 * annotator who ranked both casts a vote (lower rank wins; equal ranks are a tie vote) that is
 * kept as a {@link Label}; the pair's direction is the majority of the votes. Equal votes (and
 * equal ranks) make a tie record with the earlier-listed candidate first, or no pair when the
 * {@code ties} option is {@code skip}. A pair that no annotator ranked both sides of gives no
 * record. Without a group id from the source, a ranking of more than two candidates gets
 * {@code ranking-<hash of the prompt>}. Candidate i is taken as shown before candidate j (i &lt; j), which sets
 * {@code meta.chosen_position}.
 */
final class Rankings {

    private Rankings() {}

    /** One annotator's ranks by candidate index (lower is better; {@code NaN} = not ranked). */
    record Ranking(String annotator, double[] ranks, Double strength) {
        Ranking(String annotator, double[] ranks) {
            this(annotator, ranks, null);
        }
    }

    /**
     * @param template prompt, group, source, split and meta shared by every pair (its chosen and
     *     rejected are ignored)
     * @param candidates each candidate's messages, in display order
     * @param candidateIds each candidate's id in the source, written as {@code chosen_candidate}
     *     and {@code rejected_candidate} in meta (null to leave out)
     */
    static List<PreferenceRecord> pairs(Supplier<PreferenceRecord.Builder> template,
            List<List<Message>> candidates, List<String> candidateIds, List<Ranking> rankings, boolean keepTies) {
        int k = candidates.size();
        List<PreferenceRecord> out = new ArrayList<>();
        int ties = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                List<Label> labels = new ArrayList<>();
                int winsI = 0;
                int winsJ = 0;
                for (Ranking r : rankings) {
                    double ri = r.ranks()[i];
                    double rj = r.ranks()[j];
                    if (Double.isNaN(ri) || Double.isNaN(rj)) {
                        continue;
                    }
                    Preference p = ri < rj ? Preference.CHOSEN : ri > rj ? Preference.REJECTED : Preference.TIE;
                    if (p == Preference.CHOSEN) {
                        winsI++;
                    } else if (p == Preference.REJECTED) {
                        winsJ++;
                    }
                    labels.add(new Label(r.annotator(), p, p == Preference.TIE ? null : r.strength()));
                }
                if (labels.isEmpty()) {
                    continue;
                }
                boolean tie = winsI == winsJ;
                if (tie && !keepTies) {
                    ties++;
                    continue;
                }
                boolean iWins = winsI >= winsJ;
                PreferenceRecord.Builder b = template.get();
                if (b.groupId() == null && k > 2) {
                    // a ranking's pairs always share a group: without a source id, its prompt
                    long[] h = dev.rlhf4j.data.record.RecordIds.hash128(b.prompt());
                    b.groupId(String.format("ranking-%016x%016x", h[0], h[1]));
                }
                b.chosen(candidates.get(iWins ? i : j))
                        .rejected(candidates.get(iWins ? j : i))
                        .tie(tie)
                        .chosenPosition(iWins ? 0 : 1);
                for (Label l : labels) {
                    b.label(iWins ? l : l.flipped());
                }
                if (candidateIds != null) {
                    b.meta("chosen_candidate", candidateIds.get(iWins ? i : j));
                    b.meta("rejected_candidate", candidateIds.get(iWins ? j : i));
                }
                out.add(b.build());
            }
        }
        if (out.isEmpty()) {
            throw new InvalidRecordException(ties > 0
                    ? "skipped: every pair is a tie (" + ties + " tied pairs; ties=skip)"
                    : "no pair of candidates was ranked by the same annotator");
        }
        return out;
    }

    /** Ranks from a map of candidate index to rank. */
    static double[] ranks(int k, Map<Integer, Double> byIndex) {
        double[] r = new double[k];
        java.util.Arrays.fill(r, Double.NaN);
        byIndex.forEach((i, v) -> r[i] = v);
        return r;
    }
}
