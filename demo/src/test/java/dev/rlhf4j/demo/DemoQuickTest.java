package dev.rlhf4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole chain on the built-in task: {@code rlhf4j demo --quick} in the default suite, the full demo behind -Pslow. */
class DemoQuickTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void quickDemoRunsEveryStageAndReportsTheTable(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("demo");
        new DemoRun(run, true, List.of()).execute();
        JsonNode s = JSON.readTree(run.resolve("summary.json").toFile());
        for (String policy : new String[] {"base", "sft", "best_of_4", "dpo", "ppo", "rloo", "grpo"}) {
            for (String row : new String[] {"gold_reward", "reward_model_score", "kl_to_sft", "grammatical_rate"}) {
                assertTrue(s.path("policies").path(policy).path(row).isNumber(), policy + "." + row);
            }
        }
        // nothing lost on import: read = written + rejected + duplicates
        JsonNode imp = s.path("import");
        assertEquals(imp.get("read").asLong(),
                imp.get("written").asLong() + imp.get("rejected").asLong() + imp.get("duplicates").asLong());
        assertTrue(s.path("annotator_agreement").path("raw_agreement").asDouble() > 0.5);
        // PPO optimises the reward model's score; even the quick run must raise it above SFT's
        assertTrue(s.at("/policies/ppo/reward_model_score").asDouble() > s.at("/policies/sft/reward_model_score").asDouble(),
                s.path("policies").toString());
        assertEquals(0.0, s.at("/policies/sft/kl_to_sft").asDouble(), 1e-3);
        // best-of-4 picks by the reward model: its score beats one sample's; its KL is log 4 - 3/4
        assertTrue(s.at("/policies/best_of_4/reward_model_score").asDouble()
                > s.at("/best_of_n/reward_model_score/0").asDouble(), s.path("best_of_n").toString());
        assertEquals(Math.log(4) - 0.75, s.at("/policies/best_of_4/kl_to_sft").asDouble(), 1e-12);
        for (String png : new String[] {"sft_loss", "rm_accuracy", "ppo_reward", "ppo_kl", "gold_vs_sqrt_kl"}) {
            assertTrue(Files.size(run.resolve("plots/" + png + ".png")) > 1000, png);
        }
        assertTrue(Files.readString(run.resolve("report.html")).contains("gold reward"));

        // a second run skips every finished stage and reproduces the same figures
        var sftDone = Files.getLastModifiedTime(run.resolve("sft/done.json"));
        var ppoDone = Files.getLastModifiedTime(run.resolve("ppo/done.json"));
        new DemoRun(run, true, List.of()).execute();
        assertEquals(sftDone, Files.getLastModifiedTime(run.resolve("sft/done.json")));
        assertEquals(ppoDone, Files.getLastModifiedTime(run.resolve("ppo/done.json")));
        assertEquals(s.path("policies"), JSON.readTree(run.resolve("summary.json").toFile()).path("policies"));
    }

    /** The full demo: every alignment method raises the hidden gold reward clearly above SFT and stays grammatical. */
    @Test
    @Tag("slow")
    void fullDemoRaisesTheGoldReward(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("demo");
        new DemoRun(run, false, List.of()).execute();
        JsonNode p = JSON.readTree(run.resolve("summary.json").toFile()).path("policies");
        double sftGold = p.at("/sft/gold_reward").asDouble();
        for (String method : new String[] {"best_of_16", "dpo", "ppo", "rloo", "grpo"}) {
            double gold = p.path(method).path("gold_reward").asDouble();
            assertTrue(gold > sftGold + 0.2, "gold reward sft " + sftGold + " -> " + method + " " + gold);
            assertTrue(p.path(method).path("grammatical_rate").asDouble() >= 0.8 * p.at("/sft/grammatical_rate").asDouble(),
                    method + ": " + p);
        }
    }
}
