package dev.rlhf4j.rm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RewardBenchTest {

    @Test
    void sectionScoreIsTheExampleCountWeightedMeanOfItsSubsets() {
        // Chat: alpacaeval-easy 1.0 (100 examples), mt-bench-easy 0.5 (28): (100 + 14) / 128 = 0.890625
        // Reasoning: math-prm 0.5 (weight 984), hep-python 1.0 (164): (492 + 164) / 1148 = 0.5714285714285714
        Map<String, Double> acc = new LinkedHashMap<>();
        acc.put("alpacaeval-easy", 1.0);
        acc.put("mt-bench-easy", 0.5);
        acc.put("math-prm", 0.5);
        acc.put("hep-python", 1.0);
        Map<String, Double> sections = RewardBench.sectionScores(acc);
        assertEquals(Map.of("Chat", 0.890625, "Reasoning", 656.0 / 1148), sections);

        Map<String, Object> file = RewardBench.resultFile(acc, "my-rm");
        assertEquals(0.5, file.get("math-prm"));
        assertEquals("my-rm", file.get("model"));
        assertEquals("Seq. Classifier", file.get("model_type"));
        assertEquals("tokenizer", file.get("chat_template"));
        assertEquals(0.890625, file.get("Chat"));
        assertFalse(file.containsKey("Score"), "Score needs all four sections");
    }

    @Test
    void everySubsetBelongsToOneSectionWithACount() {
        int subsets = RewardBench.SECTIONS.values().stream().mapToInt(java.util.List::size).sum();
        assertEquals(23, subsets);
        assertEquals(23, RewardBench.EXAMPLE_COUNTS.size());
        RewardBench.SECTIONS.values().forEach(list -> list.forEach(s -> assertEquals(true,
                RewardBench.EXAMPLE_COUNTS.containsKey(s), s)));
    }
}
