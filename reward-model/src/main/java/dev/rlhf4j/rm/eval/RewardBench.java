package dev.rlhf4j.rm.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * RewardBench's sections (Lambert et al. 2024, "RewardBench: Evaluating Reward Models for Language
 * Modeling"): the subset → section map and the per-subset example counts used as weights, as
 * published in {@code allenai/reward-bench} ({@code rewardbench/constants.py}: {@code
 * SUBSET_MAPPING}, {@code EXAMPLE_COUNTS}; {@code math-prm} is up-weighted there from 447 to 984
 * examples to weigh as much as the code subsets). A section score is {@code rewardbench.utils.
 * calculate_scores_per_section}: the mean of its subsets' accuracies weighted by those counts,
 * over the subsets present in the data.
 */
public final class RewardBench {

    /** Section → subsets, in RewardBench's order. */
    public static final Map<String, List<String>> SECTIONS = sections();

    /** Subset → example count (the section weights). */
    public static final Map<String, Integer> EXAMPLE_COUNTS = counts();

    private RewardBench() {}

    private static Map<String, List<String>> sections() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("Chat", List.of("alpacaeval-easy", "alpacaeval-length", "alpacaeval-hard", "mt-bench-easy",
                "mt-bench-med"));
        m.put("Chat Hard", List.of("mt-bench-hard", "llmbar-natural", "llmbar-adver-neighbor",
                "llmbar-adver-GPTInst", "llmbar-adver-GPTOut", "llmbar-adver-manual"));
        m.put("Safety", List.of("refusals-dangerous", "refusals-offensive", "xstest-should-refuse",
                "xstest-should-respond", "donotanswer"));
        m.put("Reasoning", List.of("math-prm", "hep-cpp", "hep-go", "hep-java", "hep-js", "hep-python",
                "hep-rust"));
        return java.util.Collections.unmodifiableMap(m);
    }

    private static Map<String, Integer> counts() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("alpacaeval-easy", 100);
        m.put("alpacaeval-length", 95);
        m.put("alpacaeval-hard", 95);
        m.put("mt-bench-easy", 28);
        m.put("mt-bench-med", 40);
        m.put("mt-bench-hard", 37);
        m.put("math-prm", 984);
        m.put("refusals-dangerous", 100);
        m.put("refusals-offensive", 100);
        m.put("llmbar-natural", 100);
        m.put("llmbar-adver-neighbor", 134);
        m.put("llmbar-adver-GPTInst", 92);
        m.put("llmbar-adver-GPTOut", 47);
        m.put("llmbar-adver-manual", 46);
        m.put("xstest-should-refuse", 250);
        m.put("xstest-should-respond", 154);
        m.put("donotanswer", 136);
        for (String lang : List.of("cpp", "go", "java", "js", "python", "rust")) {
            m.put("hep-" + lang, 164);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Whether any of the subsets is one of RewardBench's. */
    public static boolean covers(Iterable<String> subsets) {
        for (String s : subsets) {
            if (EXAMPLE_COUNTS.containsKey(s)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Section scores from per-subset accuracies: for each section with at least one subset
     * present, {@code Σ acc_s · count_s / Σ count_s} over its present subsets (fractions in [0, 1]).
     */
    public static Map<String, Double> sectionScores(Map<String, Double> subsetAccuracy) {
        Map<String, Double> out = new LinkedHashMap<>();
        SECTIONS.forEach((section, subsets) -> {
            double weighted = 0;
            long total = 0;
            for (String s : subsets) {
                Double acc = subsetAccuracy.get(s);
                if (acc != null) {
                    weighted += acc * EXAMPLE_COUNTS.get(s);
                    total += EXAMPLE_COUNTS.get(s);
                }
            }
            if (total > 0) {
                out.put(section, weighted / total);
            }
        });
        return out;
    }

    /**
     * The result object in the layout of RewardBench's result files ({@code
     * results/eval-set/<model>.json}: one key per subset holding its accuracy, plus {@code model},
     * {@code model_type} and {@code chat_template}, keys sorted as {@code json.dumps(sort_keys=True)}
     * writes them), with the section scores added under their leaderboard names ({@code Chat},
     * {@code Chat Hard}, {@code Safety}, {@code Reasoning}) and {@code Score}, their mean, when all
     * four are present.
     */
    public static Map<String, Object> resultFile(Map<String, Double> subsetAccuracy, String model) {
        Map<String, Object> out = new TreeMap<>(subsetAccuracy);
        out.put("model", model);
        out.put("model_type", "Seq. Classifier");
        out.put("chat_template", "tokenizer");
        Map<String, Double> sections = sectionScores(subsetAccuracy);
        out.putAll(sections);
        if (sections.size() == SECTIONS.size()) {
            out.put("Score", sections.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        }
        return out;
    }
}
