package dev.rlhf4j.rm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.RunHook;
import dev.rlhf4j.rm.Normalization;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import dev.rlhf4j.rm.data.PairFiles;
import dev.rlhf4j.rm.data.PreferencePair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on the GPT-2 parity fixture (vocab 384, d 32, 2 layers) and a small separable preference set. */
class RewardTrainerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static TrainingConfig training(Long maxSteps, double epochs, int logEvery, int evalEvery, int saveEvery) {
        return new TrainingConfig(8, 1, maxSteps, epochs, 3e-3, TrainingConfig.Schedule.COSINE, 3L, 0.0, null, null,
                null, 1.0, logEvery, evalEvery, saveEvery, 2);
    }

    private RewardModelConfig config(int trainPrompts, TrainingConfig training) throws IOException {
        Path train = tmp.resolve("train.jsonl");
        Path test = tmp.resolve("test.jsonl");
        SyntheticPreferences.write(train, trainPrompts, 1);
        SyntheticPreferences.write(test, 40, 2);
        return RewardModelConfig.of(Fixtures.parityModel("gpt2"), List.of(train)).withTraining(training)
                .withEvalData(List.of(test));
    }

    @Test
    void learnsASeparablePreferenceSetAndStoresTheNormalization() throws IOException {
        RewardModelConfig config = config(80, training(null, 5, 10, 20, 0));
        Path run = tmp.resolve("run");
        RewardTrainingResult result = RewardTrainer.run(config, run, RunHook.NONE, null);

        // 80 prompts: 20 rankings of 3 pairs, 6 ties (prompts 9, 29, 49, 69 ... that are not rankings), 54 single pairs
        assertEquals(20 * 3 + (80 - 20 - result.tiesSkipped()), result.trainPairs());
        assertEquals(80 - result.tiesSkipped(), result.trainGroups(), "a ranking is one group");
        assertEquals(result.totalSteps(), result.steps());
        double heldOut = result.report().accuracy().accuracy();
        assertTrue(heldOut >= 0.9, "held-out accuracy " + heldOut);
        assertTrue((double) result.finalEval().get("eval/accuracy") >= 0.9);

        // PPO reads mean 0, std 1 over the reference set (the training responses) after normalising
        try (NDManager m = NDManager.newBaseManager(); RewardModel rm = RewardModel.load(result.modelDir(), m);
                Tokenizer tok = Tokenizer.load(result.modelDir())) {
            assertEquals(result.normalization(), rm.normalization());
            RewardInputs inputs = new RewardInputs(tok, 64);
            List<long[]> seqs = new ArrayList<>();
            for (PreferencePair p : PairFiles.read(config.data())) {
                if (!p.tie()) {
                    seqs.add(inputs.side(p, true));
                    seqs.add(inputs.side(p, false));
                }
            }
            float[] raw = new RewardScorer(rm, inputs, 16, m).scoreSequences(RewardScorer.unique(seqs));
            float[] normalised = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                normalised[i] = (float) rm.normalization().apply(raw[i]);
            }
            Normalization after = Normalization.of(normalised);
            assertEquals(0, after.mean(), 1e-4);
            assertEquals(1, after.std(), 1e-4);
        }

        List<JsonNode> lines = metrics(run);
        assertEquals(result.steps(), lines.get(lines.size() - 1).get("step").asLong());
        JsonNode evalLine = lines.stream().filter(l -> l.has("eval/accuracy")).findFirst().orElseThrow();
        assertEquals(20, evalLine.get("step").asLong());
        for (String key : List.of("loss", "train/accuracy", "train/margin", "train/reward_chosen",
                "train/reward_rejected", "eval/loss", "eval/margin", "eval/reward_chosen", "eval/reward_rejected")) {
            assertTrue(evalLine.get(key).isNumber(), key);
        }
        for (String f : List.of("report.json", "report.html", "report-reliability.png", "report-rewards.png")) {
            assertTrue(Files.size(run.resolve("eval").resolve(f)) > 0, f);
        }
    }

    @Test
    void resumedRunEqualsTheUninterruptedOne() throws IOException {
        RewardModelConfig config = config(24, training(6L, 1, 1, 0, 3));
        Path straight = tmp.resolve("straight");
        RewardTrainingResult a = RewardTrainer.run(config, straight, RunHook.NONE, null);

        Path resumed = tmp.resolve("resumed");
        RewardTrainingResult stopped = RewardTrainer.run(config, resumed, RunHook.stopAfter(4), null); // checkpoints at 3 and 4
        assertNull(stopped.modelDir());
        assertEquals(4, stopped.steps());
        RewardTrainingResult b = RewardTrainer.run(config, resumed, RunHook.NONE, null);
        assertEquals(6, b.steps());

        try (NDManager m = NDManager.newBaseManager(); RewardModel ma = RewardModel.load(a.modelDir(), m);
                RewardModel mb = RewardModel.load(b.modelDir(), m)) {
            for (Map.Entry<String, Parameter> e : ma.namedParameters().entrySet()) {
                assertArrayEquals(e.getValue().getArray().toFloatArray(),
                        mb.namedParameters().get(e.getKey()).getArray().toFloatArray(), e.getKey());
            }
            assertEquals(ma.normalization(), mb.normalization());
        }
        assertEquals(column(straight, "loss"), column(resumed, "loss"));
        assertEquals(column(straight, "grad_norm"), column(resumed, "grad_norm"));

        // the checkpoint remembers its config: another learning rate is not resumed silently
        RewardModelConfig faster = config.withTraining(new TrainingConfig(8, 1, 6L, 1.0, 1e-2,
                TrainingConfig.Schedule.COSINE, 3L, 0.0, null, null, null, 1.0, 1, 0, 3, 2));
        dev.rlhf4j.core.train.TrainingStoppedException e = assertThrows(dev.rlhf4j.core.train.TrainingStoppedException.class,
                () -> RewardTrainer.run(faster, resumed, RunHook.NONE, null));
        assertTrue(e.getMessage().startsWith(resumed.resolve("checkpoints/step-6") + ": the config changed since this"
                + " checkpoint was saved: reward_model.training.lr from 0.003 to 0.01;"), e.getMessage());
    }

    @Test
    void liveArrayCountStaysFlatOverManySteps() throws IOException {
        RewardModelConfig config = config(24, training(50L, 1, 1, 0, 0));
        try (RewardTrainer t = new RewardTrainer(config, tmp.resolve("run"), null)) {
            t.prepare();
            t.trainStep();
            int live = t.manager().getManagedArrays().size();
            for (int i = 0; i < 40; i++) {
                t.trainStep();
            }
            assertEquals(live, t.manager().getManagedArrays().size(), "live NDArrays after 41 steps");
            assertNotNull(t.model());
        }
    }

    private static List<JsonNode> metrics(Path run) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private static List<String> column(Path run, String key) throws IOException {
        return metrics(run).stream().map(n -> n.get(key).asText()).toList();
    }
}
