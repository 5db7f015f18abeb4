package dev.rlhf4j.data.stats;

import dev.rlhf4j.data.PreferenceRecords;
import dev.rlhf4j.data.record.Label;
import dev.rlhf4j.data.record.Preference;
import dev.rlhf4j.data.record.PreferenceRecord;
import dev.rlhf4j.data.record.RecordIds;
import dev.rlhf4j.data.record.Votes;
import dev.rlhf4j.data.split.GroupSplitter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.math3.stat.inference.AlternativeHypothesis;
import org.apache.commons.math3.stat.inference.BinomialTest;

/**
 * Computes a {@link StatsReport} in one streaming pass over a canonical file, keeping per record
 * only small counters and, per distinct pair, its labels.
 *
 * <p>An <em>item</em> is a prompt with an unordered pair of responses (normalised as for
 * deduplication), so labels of duplicate records, of records merged by dedupe, and of the same
 * pair judged in several records all meet. Each record contributes its {@code labels}; a record
 * without labels counts as one label for its direction by its single annotator (or an anonymous
 * one). Labels are oriented to the item's first response; categories are first better, second
 * better, tie.
 */
public final class DatasetStats {

    /** Prior of the Bradley–Terry aggregation (see {@link BradleyTerry}). */
    static final double BT_PRIOR = 0.5;

    private DatasetStats() {}

    private static final int FIRST = 0;
    private static final int SECOND = 1;
    private static final int TIE = 2;

    private static final class Item {
        final long[] firstSide;
        final long[] secondSide;
        final String group;
        final List<Label> labels = new ArrayList<>(1);
        final int[] votes = new int[3];
        Votes judgements = new Votes(0, 0, 0); // every vote, oriented to the first side

        Item(long[] firstSide, long[] secondSide, String group) {
            this.firstSide = firstSide;
            this.secondSide = secondSide;
            this.group = group;
        }
    }

    public static StatsReport compute(Path file) {
        long records = 0;
        long ties = 0;
        Map<String, Map<String, long[]>> bySource = new TreeMap<>();
        Distribution.Collector promptChars = new Distribution.Collector();
        Distribution.Collector responseChars = new Distribution.Collector();
        Map<String, Long> perAnnotator = new HashMap<>();
        Set<String> ids = new HashSet<>();
        long exact = 0;
        long normalised = 0;
        Map<RecordIds.PairKey, Item> items = new HashMap<>();
        long posN = 0;
        long posWins = 0;
        long lenN = 0;
        long lenWins = 0;
        try (Stream<PreferenceRecord> s = PreferenceRecords.read(file)) {
            for (PreferenceRecord r : (Iterable<PreferenceRecord>) s::iterator) {
                records++;
                if (r.tie()) {
                    ties++;
                }
                long[] c = bySource.computeIfAbsent(r.source() == null ? "none" : r.source(), k -> new TreeMap<>())
                        .computeIfAbsent(r.split() == null ? "none" : r.split(), k -> new long[2]);
                c[0]++;
                if (r.tie()) {
                    c[1]++;
                }
                long prompt = 0;
                for (var m : r.prompt()) {
                    prompt += m.content().length();
                }
                promptChars.add(prompt);
                int chosenLen = PreferenceRecord.text(r.chosen()).length();
                int rejectedLen = PreferenceRecord.text(r.rejected()).length();
                responseChars.add(chosenLen);
                responseChars.add(rejectedLen);
                if (!r.labels().isEmpty()) {
                    for (Label l : r.labels()) {
                        if (l.annotator() != null) {
                            perAnnotator.merge(l.annotator(), 1L, Long::sum);
                        }
                    }
                } else {
                    r.annotators().forEach(a -> perAnnotator.merge(a, 1L, Long::sum));
                }
                if (!r.tie()) {
                    Object pos = r.meta().get(PreferenceRecord.META_CHOSEN_POSITION);
                    if (pos instanceof Number n && (n.intValue() == 0 || n.intValue() == 1)) {
                        posN++;
                        if (n.intValue() == 0) {
                            posWins++;
                        }
                    }
                    if (chosenLen != rejectedLen) {
                        lenN++;
                        if (chosenLen > rejectedLen) {
                            lenWins++;
                        }
                    }
                }
                RecordIds.PairKey key = RecordIds.pairKey(r.prompt(), r.chosen(), r.rejected());
                boolean newId = ids.add(r.id());
                Item item = items.get(key.unoriented());
                if (item == null) {
                    long[] ch = RecordIds.hash128(r.chosen());
                    long[] re = RecordIds.hash128(r.rejected());
                    item = key.chosenFirst() ? new Item(ch, re, GroupSplitter.groupOf(r)) : new Item(re, ch, GroupSplitter.groupOf(r));
                    items.put(key.unoriented(), item);
                } else if (!newId) {
                    exact++;
                } else {
                    normalised++;
                }
                item.votes[r.tie() ? TIE : key.chosenFirst() ? FIRST : SECOND]++;
                Votes v = Votes.of(r);
                item.judgements = item.judgements.plus(key.chosenFirst() ? v : v.flipped());
                List<Label> labels = r.labels();
                if (labels.isEmpty()) {
                    String annotator = r.annotators().size() == 1 ? r.annotators().get(0) : null;
                    labels = List.of(Label.of(annotator, r.tie() ? Preference.TIE : Preference.CHOSEN));
                }
                for (Label l : labels) {
                    item.labels.add(key.chosenFirst() ? l : l.flipped());
                }
            }
        }
        long conflicting = items.values().stream()
                .filter(i -> (i.votes[0] > 0 ? 1 : 0) + (i.votes[1] > 0 ? 1 : 0) + (i.votes[2] > 0 ? 1 : 0) > 1)
                .count();

        Map<String, Map<String, StatsReport.Counts>> counts = new LinkedHashMap<>();
        bySource.forEach((src, splits) -> {
            Map<String, StatsReport.Counts> m = new LinkedHashMap<>();
            splits.forEach((split, c) -> m.put(split, new StatsReport.Counts(c[0], c[1], c[0] == 0 ? 0 : (double) c[1] / c[0])));
            counts.put(src, m);
        });
        return new StatsReport(file.toString(), records, ties, records == 0 ? 0 : (double) ties / records, counts,
                promptChars.summary(), responseChars.summary(), perAnnotator.size(), new TreeMap<>(perAnnotator),
                new StatsReport.Duplicates(exact, normalised, conflicting), agreement(items.values()),
                bias(posN, posWins), bias(lenN, lenWins), aggregate(items.values()), votes(items.values()));
    }

    /** How often pairs were judged, and how strongly each pair's votes agree with its majority. */
    static StatsReport.VoteStats votes(Iterable<Item> items) {
        long pairs = 0;
        long total = 0;
        long repeated = 0;
        long max = 0;
        long decided = 0;
        double majorityShare = 0;
        for (Item item : items) {
            Votes v = item.judgements;
            pairs++;
            total += v.total();
            max = Math.max(max, v.total());
            if (v.total() > 1) {
                repeated++;
            }
            int decisive = v.chosen() + v.rejected();
            if (decisive > 1) {
                decided++;
                majorityShare += (double) Math.max(v.chosen(), v.rejected()) / decisive;
            }
        }
        return new StatsReport.VoteStats(pairs, total, repeated, pairs == 0 ? 0 : (double) total / pairs, max, decided,
                decided == 0 ? Double.NaN : majorityShare / decided);
    }

    private static StatsReport.Bias bias(long n, long wins) {
        if (n == 0) {
            return new StatsReport.Bias(0, 0, Double.NaN, Double.NaN);
        }
        double p = new BinomialTest().binomialTest((int) n, (int) wins, 0.5, AlternativeHypothesis.TWO_SIDED);
        return new StatsReport.Bias(n, wins, (double) wins / n, p);
    }

    private static int category(Label l) {
        return switch (l.preference()) {
            case CHOSEN -> FIRST;
            case REJECTED -> SECOND;
            case TIE -> TIE;
        };
    }

    static StatsReport.AgreementStats agreement(Iterable<Item> items) {
        List<long[]> counts = new ArrayList<>();
        List<double[]> nominal = new ArrayList<>();
        List<double[]> ordinal = new ArrayList<>();
        Map<String, long[][]> pairs = new HashMap<>();
        long nItems = 0;
        long nLabels = 0;
        boolean graded = false;
        for (Item item : items) {
            if (item.labels.size() < 2) {
                continue;
            }
            for (Label l : item.labels) {
                graded |= l.strength() != null;
            }
        }
        for (Item item : items) {
            List<Label> labels = item.labels;
            if (labels.size() < 2) {
                continue;
            }
            nItems++;
            nLabels += labels.size();
            long[] row = new long[3];
            double[] nom = new double[labels.size()];
            double[] ord = new double[labels.size()];
            for (int i = 0; i < labels.size(); i++) {
                Label l = labels.get(i);
                row[category(l)]++;
                nom[i] = category(l);
                ord[i] = graded ? l.signedValue() : (l.preference() == Preference.CHOSEN ? 1 : l.preference() == Preference.TIE ? 0 : -1);
            }
            counts.add(row);
            nominal.add(nom);
            ordinal.add(ord);
            // Cohen: every pair of distinct named annotators on this item (first label of each)
            Map<String, Integer> byAnnotator = new LinkedHashMap<>();
            for (Label l : labels) {
                if (l.annotator() != null) {
                    byAnnotator.putIfAbsent(l.annotator(), category(l));
                }
            }
            List<String> names = new ArrayList<>(byAnnotator.keySet());
            names.sort(null);
            for (int a = 0; a < names.size(); a++) {
                for (int b = a + 1; b < names.size(); b++) {
                    long[][] m = pairs.computeIfAbsent(names.get(a) + "\u0000" + names.get(b), k -> new long[3][3]);
                    m[byAnnotator.get(names.get(a))][byAnnotator.get(names.get(b))]++;
                }
            }
        }
        double weighted = 0;
        double weights = 0;
        long cohenPairs = 0;
        for (long[][] m : pairs.values()) {
            long shared = 0;
            for (long[] r : m) {
                for (long v : r) {
                    shared += v;
                }
            }
            if (shared < 2) {
                continue;
            }
            double k = Agreement.cohenKappa(m);
            if (!Double.isNaN(k)) {
                weighted += k * shared;
                weights += shared;
                cohenPairs++;
            }
        }
        return new StatsReport.AgreementStats(nItems, nLabels, Agreement.pairwiseAgreement(counts),
                weights == 0 ? Double.NaN : weighted / weights, cohenPairs, Agreement.fleissKappa(counts),
                Agreement.krippendorffAlpha(nominal, Agreement.Metric.NOMINAL),
                Agreement.krippendorffAlpha(ordinal, Agreement.Metric.ORDINAL), graded ? "graded" : "three-point");
    }

    /** Bradley–Terry per group over the labels of its items; summary over items with 2+ labels. */
    static StatsReport.Aggregation aggregate(Iterable<Item> items) {
        Map<String, List<Item>> groups = new HashMap<>();
        for (Item item : items) {
            groups.computeIfAbsent(item.group, g -> new ArrayList<>()).add(item);
        }
        long nGroups = 0;
        long nItems = 0;
        double sumConfidence = 0;
        long low = 0;
        long disagree = 0;
        for (List<Item> group : groups.values()) {
            if (group.stream().noneMatch(i -> i.labels.size() >= 2)) {
                continue;
            }
            nGroups++;
            Map<String, Integer> index = new HashMap<>();
            List<BradleyTerry.Comparison> comparisons = new ArrayList<>();
            for (Item item : group) {
                int a = index.computeIfAbsent(side(item.firstSide), k -> index.size());
                int b = index.computeIfAbsent(side(item.secondSide), k -> index.size());
                for (Label l : item.labels) {
                    switch (l.preference()) {
                        case CHOSEN -> comparisons.add(new BradleyTerry.Comparison(a, b, false));
                        case REJECTED -> comparisons.add(new BradleyTerry.Comparison(b, a, false));
                        case TIE -> comparisons.add(new BradleyTerry.Comparison(a, b, true));
                    }
                }
            }
            double[] pi = BradleyTerry.fit(index.size(), comparisons, BT_PRIOR);
            for (Item item : group) {
                if (item.labels.size() < 2) {
                    continue;
                }
                nItems++;
                double p = BradleyTerry.probability(pi, index.get(side(item.firstSide)), index.get(side(item.secondSide)));
                double confidence = Math.max(p, 1 - p);
                sumConfidence += confidence;
                if (confidence < 0.6) {
                    low++;
                }
                long first = item.labels.stream().filter(l -> l.preference() == Preference.CHOSEN).count();
                long second = item.labels.stream().filter(l -> l.preference() == Preference.REJECTED).count();
                int majority = Long.compare(first, second);
                int bt = p > 0.5 ? 1 : p < 0.5 ? -1 : 0;
                if (majority != 0 && bt != majority) {
                    disagree++;
                }
            }
        }
        return new StatsReport.Aggregation(nGroups, nItems, nItems == 0 ? Double.NaN : sumConfidence / nItems, low, disagree);
    }

    private static String side(long[] h) {
        return h[0] + ":" + h[1];
    }
}
