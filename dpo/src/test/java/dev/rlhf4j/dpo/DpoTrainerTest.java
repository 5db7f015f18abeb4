package dev.rlhf4j.dpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.model.ModelConfig;
import dev.rlhf4j.core.model.WeightSource;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.OnConfigChange;
import dev.rlhf4j.core.train.RunHook;
import dev.rlhf4j.core.train.TrainingStoppedException;
import dev.rlhf4j.dpo.DpoConfig.LossType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on the GPT-2 parity fixture (vocab 384, d 32, 2 layers, 64 positions) and a toy preference set. */
class DpoTrainerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static TrainingConfig training(long maxSteps, double lr, int logEvery, int evalEvery, int saveEvery) {
        return new TrainingConfig(4, 2, maxSteps, 1.0, lr, TrainingConfig.Schedule.COSINE, 2L, 0.0, null, null, null,
                1.0, logEvery, evalEvery, saveEvery, 2);
    }

    private DpoConfig config(int pairs, TrainingConfig training) throws IOException {
        Path train = ToyPreferences.write(tmp.resolve("train.jsonl"), pairs, 1);
        Path test = ToyPreferences.write(tmp.resolve("test.jsonl"), 16, 2);
        return DpoConfig.of(Fixtures.parityModel("gpt2"), List.of(train)).withTraining(training)
                .withEvalData(List.of(test));
    }

    @Test
    void dpoRaisesTheImplicitRewardAccuracyOnHeldOutPairs() throws IOException {
        DpoConfig config = config(48, training(24, 3e-3, 4, 12, 0));
        Path run = tmp.resolve("run");
        DpoResult result = DpoTrainer.run(config, run, RunHook.NONE, null);

        assertEquals(24, result.steps());
        assertEquals(48, result.pairs());
        List<JsonNode> lines = metrics(run);
        JsonNode first = lines.get(0);
        JsonNode last = lines.get(lines.size() - 1);
        // at the start the policy is the reference: every implicit reward is 0, no pair is ranked right
        double before = first.get("rewards/accuracies").asDouble();
        double after = (double) result.eval().get("eval/rewards/accuracies");
        assertTrue(after >= 0.9 && after > before, "held-out accuracy " + before + " -> " + after);
        assertTrue((double) result.eval().get("eval/rewards/margins") > 0);
        assertTrue((double) result.eval().get("eval/loss") < Math.log(2), "held-out loss " + result.eval());
        assertTrue(last.get("loss").asDouble() < first.get("loss").asDouble());
        for (String key : DpoMetrics.SHARED) {
            assertTrue(last.get(key).isNumber(), key);
            assertTrue(last.get("eval/" + key).isNumber(), "eval/" + key);
        }
        assertTrue(Files.exists(result.output().resolve("model.safetensors")));
    }

    @Test
    void resumedRunEqualsTheUninterruptedOne() throws IOException {
        DpoConfig config = config(24, training(6, 1e-3, 1, 0, 3));
        Path straight = tmp.resolve("straight");
        DpoResult a = DpoTrainer.run(config, straight, RunHook.NONE, null);

        Path resumed = tmp.resolve("resumed");
        DpoResult stopped = DpoTrainer.run(config, resumed, RunHook.stopAfter(4), null); // checkpoints at 3 and 4
        assertNull(stopped.output());
        assertEquals(4, stopped.steps());
        DpoResult b = DpoTrainer.run(config, resumed, RunHook.NONE, null);
        assertEquals(6, b.steps());

        assertSameWeights(a.output(), b.output());
        assertEquals(column(straight, "loss"), column(resumed, "loss"));
        assertEquals(column(straight, "grad_norm"), column(resumed, "grad_norm"));
        assertEquals(column(straight, "rewards/margins"), column(resumed, "rewards/margins"));

        DpoConfig otherBeta = config.withLoss(LossType.SIGMOID, 0.5, 0, 0.5);
        TrainingStoppedException e = assertThrows(TrainingStoppedException.class,
                () -> DpoTrainer.run(otherBeta, resumed, RunHook.NONE, null));
        assertTrue(e.getMessage().contains("dpo.beta from 0.1 to 0.5"), e.getMessage());
    }

    @Test
    void precomputedReferenceLogProbsTrainAsTheFrozenReference() throws IOException {
        DpoConfig config = config(16, training(2, 1e-3, 1, 0, 0));
        DpoTrainer.run(config, tmp.resolve("frozen"), RunHook.NONE, null);
        DpoTrainer.run(config.withPrecomputedReference(true), tmp.resolve("precomputed"), RunHook.NONE, null);
        List<JsonNode> a = metrics(tmp.resolve("frozen"));
        List<JsonNode> b = metrics(tmp.resolve("precomputed"));
        for (int i = 0; i < a.size(); i++) {
            for (String key : List.of("loss", "rewards/chosen", "rewards/margins")) {
                assertEquals(a.get(i).get(key).asDouble(), b.get(i).get(key).asDouble(), 1e-5, key + " at line " + i);
            }
        }
    }

    @Test
    void liveArrayCountStaysFlatOverManySteps() throws IOException {
        for (LossType type : List.of(LossType.SIGMOID, LossType.ORPO)) {
            DpoConfig config = config(16, training(30, 1e-3, 5, 0, 0)).withLoss(type, 0.1, 0, 0.5);
            List<Integer> live = new ArrayList<>();
            try (DpoTrainer t = new DpoTrainer(config, tmp.resolve("live-" + type.key()), null, OnConfigChange.REFUSE)) {
                t.train(new RunHook(Long.MAX_VALUE, step -> live.add(t.manager().getManagedArrays().size())));
            }
            assertEquals(30, live.size());
            assertEquals(live.get(1), live.get(live.size() - 1), type.key() + ": live NDArrays per step " + live);
        }
    }

    @Test
    void simpoAndOrpoNeedNoReference() throws IOException {
        for (LossType type : List.of(LossType.SIMPO, LossType.ORPO)) {
            DpoConfig config = new DpoConfig(Fixtures.parityModel("gpt2"), tmp.resolve("no-such-reference"),
                    List.of(ToyPreferences.write(tmp.resolve("t.jsonl"), 8, 3)), null, null, type, null, null, null,
                    null, null, null, null, null, training(2, 1e-3, 1, 0, 0), null);
            DpoResult r = DpoTrainer.run(config, tmp.resolve("run-" + type.key()), RunHook.NONE, null);
            assertEquals(2, r.steps());
            assertTrue(r.train().containsKey("rewards/accuracies"));
            assertEquals(type == LossType.ORPO, r.train().containsKey("nll_loss"), type.key());
        }
    }

    @Test
    void aReferenceWithAnotherVocabularyIsRefused() throws IOException {
        Path other = tmp.resolve("other");
        try (Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2"));
                NDManager m = NDManager.newBaseManager()) {
            ModelConfig c = ModelConfig.gpt2(400, 32, 1, 4, 64)
                    .withSpecialTokens(tok.bosId(), tok.eosIds(), tok.padId());
            try (CausalLM lm = new CausalLM(c, m, WeightSource.random(1, 0.2f, 2), true)) {
                ModelDirectory.saveCausalLM(other, lm, tok);
            }
        }
        DpoConfig base = config(8, training(1, 1e-3, 1, 0, 0));
        DpoConfig config = new DpoConfig(base.model(), other, base.data(), null, null, null, null, null, null, null,
                null, null, null, null, base.training(), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DpoTrainer.run(config, tmp.resolve("run"), RunHook.NONE, null));
        assertEquals("dpo.reference (" + other + ") has a vocabulary of 400 tokens, but dpo.model ("
                + base.model() + ") has 384: the reference must share the policy's tokenizer", e.getMessage());
    }

    private static void assertSameWeights(Path a, Path b) {
        try (NDManager m = NDManager.newBaseManager(); CausalLM ma = DpoTrainer.loadFloat32(a, m);
                CausalLM mb = DpoTrainer.loadFloat32(b, m)) {
            for (Map.Entry<String, Parameter> e : ma.namedParameters().entrySet()) {
                assertArrayEquals(e.getValue().getArray().toFloatArray(),
                        mb.namedParameters().get(e.getKey()).getArray().toFloatArray(), e.getKey());
            }
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
