package dev.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The algorithm keys of the {@code ppo:} section: defaults, what is ignored without a critic, and the errors. */
class PpoConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PpoConfig config(String extra) throws IOException {
        return JSON.readValue("{\"policy\": \"p\", \"prompts\": \"x.jsonl\"" + extra + "}", PpoConfig.class);
    }

    private static String error(String extra) {
        ValueInstantiationException e = assertThrows(ValueInstantiationException.class, () -> config(extra));
        return e.getCause().getMessage();
    }

    @Test
    void ppoIsTheDefaultAndUnchanged() throws IOException {
        PpoConfig c = config("");
        assertEquals(Algorithm.PPO, c.algorithm());
        assertEquals(1, c.numGenerations());
        assertEquals(16, c.promptsPerIteration());
        assertEquals("reward_model", c.critic());
        assertEquals(0.95, c.lam());
        assertEquals(10 * 3e-6, c.criticLr(), 1e-18);
        assertNull(c.scaleRewards());
        assertNull(c.lossType());
    }

    @Test
    void grpoDefaultsFollowTrlAndTheCriticKeysAreIgnored() throws IOException {
        PpoConfig c = config(", \"algorithm\": \"grpo\", \"critic\": \"shared\", \"vf_coef\": 0.5, \"lam\": 0.9,"
                + " \"gamma\": 0.99, \"whiten_rewards\": true, \"critic_lr\": 1e-4, \"clip_range_value\": 0.3");
        assertEquals(Algorithm.GRPO, c.algorithm());
        assertEquals(4, c.numGenerations());
        assertEquals(4, c.promptsPerIteration());
        assertEquals(Advantages.ScaleRewards.GROUP, c.scaleRewards());
        assertEquals(PpoLosses.LossType.GRPO, c.lossType());
        assertNull(c.critic());
        assertNull(c.vfCoef());
        assertNull(c.lam());
        assertNull(c.gamma());
        assertNull(c.criticLr());
        assertNull(c.clipRangeValue());
        assertEquals(false, c.whitenRewards());
    }

    @Test
    void drGrpoAndReinforcePlusPlus() throws IOException {
        PpoConfig dr = config(", \"algorithm\": \"grpo\", \"scale_rewards\": \"none\", \"loss_type\": \"dr_grpo\","
                + " \"num_generations\": 8");
        assertEquals(Advantages.ScaleRewards.NONE, dr.scaleRewards());
        assertEquals(PpoLosses.LossType.DR_GRPO, dr.lossType());
        assertEquals(2, dr.promptsPerIteration());
        PpoConfig rpp = config(", \"algorithm\": \"reinforce_pp\", \"gamma\": 0.99, \"scale_rewards\": \"batch\"");
        assertEquals(1, rpp.numGenerations());
        assertEquals(0.99, rpp.gamma());
        assertNull(rpp.critic());
        assertNull(rpp.scaleRewards(), "a grpo key is ignored by reinforce_pp");
        assertEquals(Algorithm.RLOO, config(", \"algorithm\": \"rloo\"").algorithm());
    }

    /** The demo's second method: the same run settings under another algorithm, into its own output. */
    @Test
    void withAlgorithmKeepsEverythingElse() throws IOException {
        PpoConfig ppo = config(", \"lr\": 3e-4, \"batch_size\": 32, \"kl_coef\": 0.1, \"critic_lr\": 1e-3,"
                + " \"output\": \"runs/x/ppo/model\"");
        PpoConfig grpo = ppo.withAlgorithm(Algorithm.GRPO, null, "runs/x/grpo/model");
        assertEquals(Algorithm.GRPO, grpo.algorithm());
        assertEquals(4, grpo.numGenerations());
        assertEquals(8, grpo.promptsPerIteration());
        assertEquals("runs/x/grpo/model", grpo.output());
        assertEquals(3e-4, grpo.lr());
        assertEquals(0.1, grpo.klCoef());
        assertEquals(Advantages.ScaleRewards.GROUP, grpo.scaleRewards());
        assertNull(grpo.critic());
        assertEquals(8, ppo.withAlgorithm(Algorithm.RLOO, 8, null).numGenerations());
        PpoConfig back = grpo.withAlgorithm(Algorithm.PPO, null, "runs/x/ppo/model");
        assertEquals(1, back.numGenerations());
        assertEquals("reward_model", back.critic());
        assertEquals(1.0, back.gamma());
        assertEquals("ppo.num_generations must divide batch_size (32, the rollouts per iteration), but is: 5",
                assertThrows(IllegalArgumentException.class, () -> ppo.withAlgorithm(Algorithm.GRPO, 5, null))
                        .getMessage());
    }

    @Test
    void errorsNameTheKey() {
        assertEquals("num_generations must be >= 2 for algorithm rloo (the baseline of a response is the other"
                + " responses to its prompt), but is: 1", error(", \"algorithm\": \"rloo\", \"num_generations\": 1"));
        assertEquals("num_generations must be >= 2 for algorithm grpo (the baseline of a response is the other"
                + " responses to its prompt), but is: 1", error(", \"algorithm\": \"grpo\", \"num_generations\": 1"));
        assertEquals("num_generations must divide batch_size (16, the rollouts per iteration), but is: 6",
                error(", \"algorithm\": \"grpo\", \"num_generations\": 6"));
        assertEquals("num_generations must be >= 1, but is: 0", error(", \"num_generations\": 0"));
    }

    @Test
    void unknownValuesAreRefused() {
        assertThrows(IOException.class, () -> config(", \"algorithm\": \"dpo\""));
        assertThrows(IOException.class, () -> config(", \"algorithm\": \"grpo\", \"loss_type\": \"dapo\""));
        assertThrows(IOException.class, () -> config(", \"algorithm\": \"grpo\", \"scale_rewards\": \"row\""));
    }
}
