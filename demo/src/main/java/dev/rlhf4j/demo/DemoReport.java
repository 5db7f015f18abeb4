package dev.rlhf4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.pipeline.report.LinePlot;
import dev.rlhf4j.pipeline.report.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The demo's closing table, and {@code report.html} with its PNG plots. */
final class DemoReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[][] ROWS = {
        {"gold_reward", "gold reward (hidden)"},
        {"reward_model_score", "reward-model score (normalised)"},
        {"kl_to_sft", "KL to SFT (nats / response)"},
        {"grammatical_rate", "grammatical rate"},
        {"eos_rate", "ends with EOS"},
        {"response_length", "response length (tokens)"},
    };

    private DemoReport() {}

    /** The console table. */
    static String table(Map<String, Object> summary) {
        JsonNode s = JSON.valueToTree(summary);
        StringBuilder t = new StringBuilder();
        List<String> policies = new ArrayList<>();
        s.path("policies").fieldNames().forEachRemaining(policies::add);
        t.append(String.format("%n%-34s", ""));
        policies.forEach(p -> t.append(String.format(" %10s", p)));
        t.append('\n');
        for (String[] row : ROWS) {
            t.append(String.format("%-34s", row[1]));
            for (String p : policies) {
                t.append(String.format(" %10.3f", s.path("policies").path(p).path(row[0]).asDouble(Double.NaN)));
            }
            t.append('\n');
        }
        JsonNode acc = s.path("reward_model_accuracy");
        t.append(String.format("%nreward-model accuracy: %.3f against held-out annotations (%d pairs), %.3f against the"
                + " gold ordering (%d pairs)%n", acc.path("held_out_annotations").asDouble(Double.NaN),
                acc.path("held_out_pairs").asInt(), acc.path("gold_ordering").asDouble(Double.NaN), acc.path("gold_pairs").asInt()));
        JsonNode fit = s.path("overoptimisation_fit");
        if (fit.path("alpha").isNumber()) {
            double beta = fit.path("beta").asDouble();
            t.append(String.format("over-optimisation (Gao et al.): gold gain R(d) = d(%.3f %s %.3f ln d), d = sqrt(KL), %s%n",
                    fit.path("alpha").asDouble(), beta >= 0 ? "-" : "+", Math.abs(beta), fit.path("peak_sqrt_kl").isNumber()
                            ? String.format("peaking at d = %.2f", fit.path("peak_sqrt_kl").asDouble())
                            : "no peak: the gold reward was still rising at the end of the run"));
        }
        JsonNode agreement = s.path("annotator_agreement");
        if (agreement.path("items").isNumber()) {
            t.append(String.format("annotator agreement: raw %.3f, Fleiss' kappa %.3f, Krippendorff's alpha %.3f"
                    + " (%,d items, %,d labels)%n", agreement.path("raw_agreement").asDouble(Double.NaN),
                    agreement.path("fleiss_kappa").asDouble(Double.NaN), agreement.path("alpha_nominal").asDouble(Double.NaN),
                    agreement.path("items").asLong(), agreement.path("labels").asLong()));
        }
        for (String p : policies.subList(Math.min(1, policies.size()), policies.size())) { // all but the base model
            t.append(String.format("%nsamples from %s:%n", p));
            int n = 0;
            for (JsonNode sample : s.path("samples").path(p)) {
                if (n++ == 3) {
                    break;
                }
                t.append(String.format("  %s -> %s   [gold %.2f, rm %.2f]%n", sample.path("prompt").asText(),
                        sample.path("response").asText(), sample.path("gold").asDouble(), sample.path("reward_model").asDouble()));
            }
        }
        return t.toString();
    }

    /** Plots and report.html in the run directory. */
    static void write(Path run, Map<String, Object> summary) throws IOException {
        Path plots = run.resolve("plots");
        Files.createDirectories(plots);
        new LinePlot("SFT loss", "step", "loss")
                .add("base pretraining", Metrics.series(run.resolve("base/metrics.jsonl"), "loss"))
                .add("sft", Metrics.series(run.resolve("sft/metrics.jsonl"), "loss"))
                .write(plots.resolve("sft_loss.png"));
        new LinePlot("Reward-model accuracy", "step", "accuracy")
                .add("train", Metrics.series(run.resolve("reward_model/metrics.jsonl"), "train/accuracy"))
                .add("held out", Metrics.series(run.resolve("reward_model/metrics.jsonl"), "eval/accuracy"))
                .write(plots.resolve("rm_accuracy.png"));
        new LinePlot("DPO: implicit-reward accuracy", "step", "accuracy")
                .add("train", Metrics.series(run.resolve("dpo/metrics.jsonl"), "rewards/accuracies"))
                .add("held out", Metrics.series(run.resolve("dpo/metrics.jsonl"), "eval/rewards/accuracies"))
                .write(plots.resolve("dpo_accuracy.png"));
        List<String> online = new ArrayList<>();
        JSON.valueToTree(summary).path("online_methods").forEach(m -> online.add(m.asText()));
        LinePlot reward = new LinePlot("Online methods: gold reward during training", "iteration", "gold reward (hidden)");
        LinePlot kl = new LinePlot("Online methods: KL to the SFT policy", "iteration", "nats per response");
        for (String method : online) {
            Path metrics = run.resolve(method).resolve("metrics.jsonl");
            reward.add(method, Metrics.series(metrics, "eval/gold"));
            kl.add(method, Metrics.series(metrics, "objective/kl"));
        }
        reward.write(plots.resolve("ppo_reward.png"));
        kl.write(plots.resolve("ppo_kl.png"));
        List<double[]> goldVsKl = goldOverSqrtKl(run, "ppo");
        OveroptimisationFit fit = OveroptimisationFit.fit(goldVsKl);
        List<double[]> curve = new ArrayList<>();
        double maxD = goldVsKl.stream().mapToDouble(p -> p[0]).max().orElse(0);
        for (int i = 1; i <= 60; i++) {
            double d = maxD * i / 60;
            curve.add(new double[] {d, fit.at(d)});
        }
        LinePlot overoptimisation = new LinePlot("Gold reward gained against sqrt(KL) (Gao et al., 2022)", "sqrt(KL)",
                "gold reward over SFT");
        for (String method : online) {
            overoptimisation.addPoints(method + " iterations", goldOverSqrtKl(run, method));
        }
        overoptimisation.add(String.format("PPO fit d(%.2f %s %.2f ln d)", fit.alpha(), fit.beta() >= 0 ? "-" : "+",
                Math.abs(fit.beta())), curve)
                .add("best-of-k, k = 1..n", bestOfNOverSqrtKl(summary))
                .write(plots.resolve("gold_vs_sqrt_kl.png"));
        String html = """
                <!doctype html><html><head><meta charset="utf-8"><title>rlhf4j demo</title>
                <style>body{font-family:sans-serif;max-width:900px;margin:2em auto}table{border-collapse:collapse}
                td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}</style></head><body>
                <h1>rlhf4j demo</h1>
                <p>A tiny model learns to write positive, grammatical reviews from simulated human preferences.
                The gold reward is hidden from training; it measures whether alignment worked.</p>
                <pre>%s</pre>
                <h2>Training</h2>
                <img src="plots/sft_loss.png"><img src="plots/rm_accuracy.png"><img src="plots/dpo_accuracy.png">
                <img src="plots/ppo_reward.png"><img src="plots/ppo_kl.png"><img src="plots/gold_vs_sqrt_kl.png">
                <p>Full figures: <a href="summary.json">summary.json</a>.</p>
                </body></html>
                """.formatted(escape(table(summary)));
        Files.writeString(run.resolve("report.html"), html);
    }

    /**
     * (sqrt(KL), gold − gold of the first iteration) per iteration of an online method (its run
     * sub-directory): the points of the over-optimisation plot, and for PPO of the fit.
     */
    static List<double[]> goldOverSqrtKl(Path run, String method) throws IOException {
        Path ppo = run.resolve(method).resolve("metrics.jsonl");
        List<double[]> kl = Metrics.series(ppo, "objective/kl");
        List<double[]> gold = Metrics.series(ppo, "eval/gold");
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < Math.min(kl.size(), gold.size()); i++) {
            out.add(new double[] {Math.sqrt(Math.max(0, kl.get(i)[1])), gold.get(i)[1] - gold.get(0)[1]});
        }
        return out;
    }

    /** (sqrt(KL_bon(k)), gold of best-of-k − gold of one sample) for k = 1..n, from the summary. */
    static List<double[]> bestOfNOverSqrtKl(Map<String, Object> summary) {
        JsonNode bon = JSON.valueToTree(summary).path("best_of_n");
        List<double[]> out = new ArrayList<>();
        for (int k = 0; k < bon.path("kl_bon").size(); k++) {
            out.add(new double[] {Math.sqrt(bon.path("kl_bon").get(k).asDouble()),
                bon.path("gold_reward").get(k).asDouble() - bon.path("gold_reward").get(0).asDouble()});
        }
        return out;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
