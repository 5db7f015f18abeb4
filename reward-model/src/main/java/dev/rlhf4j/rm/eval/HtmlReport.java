package dev.rlhf4j.rm.eval;

import dev.rlhf4j.rm.eval.PairMetrics.Accuracy;
import dev.rlhf4j.rm.eval.PairMetrics.Bucket;
import dev.rlhf4j.rm.eval.PairMetrics.Distribution;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A one-file HTML page of an {@link EvalReport}, with both plots embedded as PNG. */
final class HtmlReport {

    private HtmlReport() {}

    static String render(EvalReport r, byte[] reliabilityPng, byte[] rewardsPng) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Reward model evaluation: ")
                .append(esc(r.model())).append("</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}"
                        + "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}</style>"
                        + "</head><body>\n");
        h.append("<h1>Reward model evaluation: ").append(esc(r.model())).append("</h1>\n");
        Accuracy a = r.accuracy();
        h.append("<table><tr><th>metric</th><th>value</th></tr>\n");
        row(h, "pairs evaluated", Long.toString(a.n()));
        row(h, "pairs labelled as ties (excluded)", Long.toString(r.labelTies()));
        row(h, "accuracy (strict: equal scores count as wrong)", pct(a.accuracy()));
        row(h, "equal scores", Long.toString(a.ties()));
        row(h, "ROC-AUC (order-symmetrised)", f(r.rocAuc()));
        row(h, "log-loss of σ(r_c − r_r), nats", f(r.logLoss()));
        row(h, "Brier score", f(r.brier()));
        row(h, "expected calibration error (10 bins)", f(r.calibration().ece()));
        h.append("</table>\n");
        accuracyTable(h, "Accuracy by source", r.bySource());
        accuracyTable(h, "Accuracy by subset", r.bySubset());
        if (r.rewardBench() != null) {
            h.append("<h2>RewardBench sections</h2>\n<table><tr><th>section</th><th>score</th></tr>\n");
            for (String s : List.of("Chat", "Chat Hard", "Safety", "Reasoning", "Score")) {
                if (r.rewardBench().get(s) instanceof Double d) {
                    row(h, s, pct(d));
                }
            }
            h.append("</table>\n");
        }
        r.byLabelStrength().forEach((k, v) -> bucketTable(h, "Accuracy by label " + k, v));
        bucketTable(h, "Accuracy by predicted margin |r_c − r_r|", r.byPredictedMargin());
        h.append("<h2>Calibration</h2>\n<img alt=\"reliability diagram\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(reliabilityPng)).append("\">\n");
        h.append("<h2>Reward distribution</h2>\n<table><tr><th>side</th><th>n</th><th>mean</th><th>std</th>"
                + "<th>p05</th><th>p25</th><th>p50</th><th>p75</th><th>p95</th></tr>\n");
        distRow(h, "chosen", r.chosenRewards());
        distRow(h, "rejected", r.rejectedRewards());
        h.append("</table>\n<img alt=\"reward histogram\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(rewardsPng)).append("\">\n");
        EvalReport.LengthBias lb = r.lengthBias();
        h.append("<h2>Length bias</h2>\n<table><tr><th>metric</th><th>value</th></tr>\n");
        row(h, "Pearson r (score, length in characters)", f(lb.pearson()));
        row(h, "Spearman ρ (score, length)", f(lb.spearman()));
        row(h, "accuracy, chosen longer (" + lb.chosenLonger().n() + " pairs)", pct(lb.chosenLonger().accuracy()));
        row(h, "accuracy, chosen shorter (" + lb.chosenShorter().n() + " pairs)", pct(lb.chosenShorter().accuracy()));
        row(h, "accuracy, same length (" + lb.sameLength().n() + " pairs)", pct(lb.sameLength().accuracy()));
        h.append("</table>\n");
        if (r.humanScores() != null) {
            h.append("<h2>Agreement with human scores</h2>\n<table><tr><th>metric</th><th>value</th></tr>\n");
            row(h, "responses", Long.toString(r.humanScores().n()));
            row(h, "Kendall τ-b", f(r.humanScores().kendallTau()));
            row(h, "Spearman ρ", f(r.humanScores().spearmanRho()));
            h.append("</table>\n");
        }
        return h.append("</body></html>\n").toString();
    }

    private static void accuracyTable(StringBuilder h, String title, Map<String, Accuracy> byKey) {
        if (byKey.isEmpty()) {
            return;
        }
        h.append("<h2>").append(esc(title)).append("</h2>\n<table><tr><th>key</th><th>pairs</th><th>accuracy</th>"
                + "<th>equal scores</th></tr>\n");
        byKey.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> h.append("<tr><td>")
                .append(esc(e.getKey())).append("</td><td>").append(e.getValue().n()).append("</td><td>")
                .append(pct(e.getValue().accuracy())).append("</td><td>").append(e.getValue().ties())
                .append("</td></tr>\n"));
        h.append("</table>\n");
    }

    private static void bucketTable(StringBuilder h, String title, List<Bucket> buckets) {
        h.append("<h2>").append(esc(title)).append("</h2>\n<table><tr><th>range</th><th>pairs</th><th>accuracy</th></tr>\n");
        for (Bucket b : buckets) {
            String range = b.lo() == b.hi() ? f(b.lo()) : "[" + f(b.lo()) + ", " + f(b.hi()) + "]";
            h.append("<tr><td>").append(range).append("</td><td>").append(b.accuracy().n()).append("</td><td>")
                    .append(pct(b.accuracy().accuracy())).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void distRow(StringBuilder h, String side, Distribution d) {
        h.append("<tr><td>").append(side).append("</td><td>").append(d.n()).append("</td><td>").append(f(d.mean()))
                .append("</td><td>").append(f(d.std())).append("</td>");
        for (double q : d.quantiles()) {
            h.append("<td>").append(f(q)).append("</td>");
        }
        h.append("</tr>\n");
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><td>").append(esc(k)).append("</td><td>").append(v).append("</td></tr>\n");
    }

    private static String f(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "–";
    }

    private static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f%%", 100 * v) : "–";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
