package dev.rlhf4j.data.stats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;

/**
 * Everything {@code rlhf4j data stats} reports; written as JSON with snake_case keys.
 *
 * @param bySource per source, per split ({@code none} when unset): records, ties, tie rate
 * @param promptChars characters of the prompt (all messages)
 * @param responseChars characters of each side (chosen and rejected both counted)
 * @param labelsPerAnnotator labels per annotator id (records without labels count once for each
 *     listed annotator)
 */
public record StatsReport(String file, long records, long ties, double tieRate,
        Map<String, Map<String, Counts>> bySource, Distribution promptChars, Distribution responseChars,
        long annotators, Map<String, Long> labelsPerAnnotator, Duplicates duplicates, AgreementStats agreement,
        Bias positionBias, Bias lengthBias, Aggregation aggregation, VoteStats votes) {

    /**
     * Repeated judgements of the same pair ({@link dev.rlhf4j.data.record.Votes}: {@code meta.votes},
     * labels, or one per record).
     *
     * @param pairs distinct pairs (items)
     * @param votes votes on them
     * @param repeatedPairs pairs judged more than once
     * @param maxVotes the most votes one pair received
     * @param decidedPairs pairs with two or more votes for a side (tie votes aside)
     * @param majorityShare mean over those of the majority side's share of their side votes
     */
    public record VoteStats(long pairs, long votes, long repeatedPairs, double meanVotes, long maxVotes,
            long decidedPairs, double majorityShare) {}

    /** Records and ties of one source and split. */
    public record Counts(long records, long ties, double tieRate) {}

    /**
     * @param exact records whose id (content) was seen before
     * @param normalised records whose pair was seen before with other case, whitespace or order
     * @param conflictingPairs pairs whose records disagree on the direction
     */
    public record Duplicates(long exact, long normalised, long conflictingPairs) {}

    /**
     * Agreement over items (a prompt with an unordered pair of responses) that got two or more
     * labels. Categories: first response better, second better, tie.
     *
     * @param items items with two or more labels
     * @param labels labels on those items
     * @param rawAgreement share of agreeing label pairs within items
     * @param cohenKappa mean Cohen's κ over pairs of named annotators, weighted by shared items
     * @param cohenPairs annotator pairs with at least two shared items
     * @param fleissKappa Fleiss' κ (varying raters per item allowed)
     * @param alphaNominal Krippendorff's α, nominal
     * @param alphaOrdinal Krippendorff's α, ordinal, on the signed graded strength where labels
     *     are graded, else on the 3-point scale (second better &lt; tie &lt; first better)
     * @param ordinalScale {@code graded} or {@code three-point}
     */
    public record AgreementStats(long items, long labels, double rawAgreement, double cohenKappa, long cohenPairs,
            double fleissKappa, double alphaNominal, double alphaOrdinal, String ordinalScale) {}

    /**
     * Share of decided (non-tie) records where the first-shown (position) or longer (length)
     * response won, with a two-sided binomial test against 0.5.
     */
    public record Bias(long n, long wins, double rate, double pValue) {}

    /**
     * Bradley–Terry aggregation of the labels of items with two or more labels (within their
     * group, so rankings share strength): one label and a confidence P(label) per item.
     *
     * @param lowConfidence items with confidence below 0.6
     * @param disagreeWithMajority items whose aggregated label differs from the majority vote
     */
    public record Aggregation(long groups, long items, double meanConfidence, long lowConfidence,
            long disagreeWithMajority) {}

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .addModule(new com.fasterxml.jackson.databind.module.SimpleModule()
                    .addSerializer(Double.class, new NanAsNull())
                    .addSerializer(Double.TYPE, new NanAsNull()))
            .build();

    /** An undefined statistic (NaN) is written as {@code null}, keeping the JSON valid. */
    private static final class NanAsNull extends com.fasterxml.jackson.databind.ser.std.StdSerializer<Double> {
        NanAsNull() {
            super(Double.class);
        }

        @Override
        public void serialize(Double v, com.fasterxml.jackson.core.JsonGenerator g,
                com.fasterxml.jackson.databind.SerializerProvider p) throws java.io.IOException {
            if (v == null || v.isNaN() || v.isInfinite()) {
                g.writeNull();
            } else {
                g.writeNumber(v);
            }
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text printed by {@code rlhf4j data stats}. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        line(sb, "%s: %d records, %d ties (%.1f %%)", file, records, ties, 100 * tieRate);
        line(sb, "by source and split:");
        bySource.forEach((source, splits) -> splits.forEach((split, c) ->
                line(sb, "  %-28s %-10s %8d records  ties %5.1f %%", source, split, c.records(), 100 * c.tieRate())));
        line(sb, "prompt chars:   %s", dist(promptChars));
        line(sb, "response chars: %s", dist(responseChars));
        line(sb, "annotators: %d", annotators);
        labelsPerAnnotator.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(10)
                .forEach(e -> line(sb, "  %-32s %8d labels", e.getKey(), e.getValue()));
        if (labelsPerAnnotator.size() > 10) {
            line(sb, "  ... %d more (see --json)", labelsPerAnnotator.size() - 10);
        }
        line(sb, "duplicates: %d exact, %d normalised; conflicting pairs: %d", duplicates.exact(),
                duplicates.normalised(), duplicates.conflictingPairs());
        line(sb, "votes: %d on %d pairs (%.2f per pair, at most %d); %d pairs judged more than once",
                votes.votes(), votes.pairs(), votes.meanVotes(), votes.maxVotes(), votes.repeatedPairs());
        if (votes.decidedPairs() > 0) {
            line(sb, "  the majority side holds %s of the side votes, on average over %d pairs with two or more",
                    pct(votes.majorityShare()), votes.decidedPairs());
        }
        AgreementStats a = agreement;
        if (a.items() == 0) {
            line(sb, "agreement: no item has two or more labels");
        } else {
            line(sb, "agreement over %d items with %d labels:", a.items(), a.labels());
            line(sb, "  raw pairwise agreement  %s   (InstructGPT reports 72.6 ± 1.5 %%; Anthropic ~63 %%)", pct(a.rawAgreement()));
            line(sb, "  Cohen's kappa           %s   (mean over %d annotator pairs)", num(a.cohenKappa()), a.cohenPairs());
            line(sb, "  Fleiss' kappa           %s", num(a.fleissKappa()));
            line(sb, "  Krippendorff's alpha    %s nominal, %s ordinal (%s)", num(a.alphaNominal()),
                    num(a.alphaOrdinal()), a.ordinalScale());
        }
        line(sb, "position bias: first-shown wins %s of %d decided records (p = %s)", pct(positionBias.rate()),
                positionBias.n(), num(positionBias.pValue()));
        line(sb, "length bias:   longer wins %s of %d decided records (p = %s)", pct(lengthBias.rate()),
                lengthBias.n(), num(lengthBias.pValue()));
        if (aggregation.items() > 0) {
            line(sb, "Bradley-Terry aggregation: %d items in %d groups, mean confidence %.3f, %d below 0.6, %d differ from the majority vote",
                    aggregation.items(), aggregation.groups(), aggregation.meanConfidence(), aggregation.lowConfidence(),
                    aggregation.disagreeWithMajority());
        }
        return sb.toString();
    }

    private static String dist(Distribution d) {
        return String.format(Locale.ROOT, "mean %.0f, min %d, p10 %d, median %d, p90 %d, p99 %d, max %d",
                d.mean(), d.min(), d.p10(), d.p50(), d.p90(), d.p99(), d.max());
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f %%", 100 * v);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append(System.lineSeparator());
    }
}
