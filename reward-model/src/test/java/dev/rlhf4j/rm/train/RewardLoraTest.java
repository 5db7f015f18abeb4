package dev.rlhf4j.rm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.train.RunHook;
import dev.rlhf4j.rm.RewardModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reward models with LoRA: a PEFT-made SEQ_CLS adapter scores as PEFT does; training with {@code
 * lora:} learns with the trunk frozen and writes a PEFT SEQ_CLS adapter (score head in
 * modules_to_save) that loads back with the same scores, pad id and normalisation.
 */
class RewardLoraTest {

    @TempDir
    Path tmp;

    @Test
    void peftSequenceClassifierAdapterScoresAsPeft() {
        Path dir = Fixtures.path("lora/gpt2-rm");
        JsonNode exp = Fixtures.readJson(dir.resolve("expected.json"));
        try (NDManager m = NDManager.newBaseManager(); RewardModel rm = RewardModel.load(dir, m)) {
            float[] scores = rm.scores(m.create(Fixtures.longMatrix(exp.get("input_ids"))),
                    m.create(Fixtures.longMatrix(exp.get("attention_mask")))).toFloatArray();
            assertArrayEquals(Fixtures.floats(exp.get("scores")), scores, 1e-4f);
        }
    }

    @Test
    void loraRewardModelLearnsAndSavesAPeftAdapter() throws IOException {
        Path train = tmp.resolve("train.jsonl");
        Path test = tmp.resolve("test.jsonl");
        SyntheticPreferences.write(train, 80, 1);
        SyntheticPreferences.write(test, 40, 2);
        TrainingConfig training = new TrainingConfig(8, 1, null, 5.0, 1e-2, TrainingConfig.Schedule.COSINE, 3L, 0.0,
                null, null, null, 1.0, 10, 0, 0, 2);
        RewardModelConfig config = RewardModelConfig.of(Fixtures.parityModel("gpt2"), List.of(train))
                .withTraining(training).withEvalData(List.of(test))
                .withLora(new LoraConfig(8, 16.0, 0.0, List.of("c_attn", "c_proj", "c_fc"), null, null));
        RewardTrainingResult result = RewardTrainer.run(config, tmp.resolve("run"), RunHook.NONE, null);
        double heldOut = result.report().accuracy().accuracy();
        assertTrue(heldOut >= 0.8, "held-out accuracy " + heldOut);

        Path out = result.modelDir();
        assertTrue(PeftAdapter.isAdapter(out));
        PeftAdapter.Info info = PeftAdapter.read(out);
        assertEquals("SEQ_CLS", info.taskType());
        assertEquals(List.of("score"), info.modulesToSave());
        assertTrue(Files.exists(out.resolve(RewardModel.ADAPTER_SIDE_FILE)));
        try (NDManager m = NDManager.newBaseManager(); RewardModel back = RewardModel.load(out, m);
                RewardModel base = RewardModel.fromCausalLm(Fixtures.parityModel("gpt2"), m, 42)) {
            assertEquals(result.normalization(), back.normalization());
            // the trunk's own weights are the base's, the head and the adapters moved
            back.trunk().namedParameters().forEach((name, p) -> assertArrayEquals(
                    base.trunk().namedParameters().get(name).getArray().toFloatArray(), p.getArray().toFloatArray(),
                    name));
            assertFalse(java.util.Arrays.equals(base.head().getArray().toFloatArray(),
                    back.head().getArray().toFloatArray()));
            // merged, it is a full reward model with the same scores
            Path merged = tmp.resolve("merged");
            back.saveMerged(merged, null);
            try (RewardModel full = RewardModel.load(merged, m)) {
                long[][] ids = {{1, 17, 42, 99, 7, 250}, {1, 5, 8, 300, 2, 3}};
                long[][] mask = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0}};
                assertArrayEquals(back.scores(m.create(ids), m.create(mask)).toFloatArray(),
                        full.scores(m.create(ids), m.create(mask)).toFloatArray(), 1e-5f);
                assertEquals(back.padTokenId(), full.padTokenId());
            }
        }
    }
}
