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
import dev.rlhf4j.rm.DecoderRewardModel;
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
        assertTrue(Files.exists(out.resolve(DecoderRewardModel.ADAPTER_SIDE_FILE)));
        try (NDManager m = NDManager.newBaseManager(); DecoderRewardModel back = DecoderRewardModel.load(out, m);
                DecoderRewardModel base = DecoderRewardModel.fromCausalLm(Fixtures.parityModel("gpt2"), m, 42)) {
            assertEquals(result.normalization(), back.normalization());
            // the trunk's own weights are the base's, the head and the adapters moved
            back.trunk().namedParameters().forEach((name, p) -> assertArrayEquals(
                    base.trunk().namedParameters().get(name).getArray().toFloatArray(), p.getArray().toFloatArray(),
                    name));
            assertFalse(java.util.Arrays.equals(base.head().getArray().toFloatArray(),
                    back.head().getArray().toFloatArray()));
            export(out, back, m);
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

    /** A LoRA run stopped after a checkpoint and resumed equals the uninterrupted one, bit for bit. */
    @Test
    void resumedLoraRunEqualsTheUninterruptedOne() throws IOException {
        Path train = tmp.resolve("train.jsonl");
        SyntheticPreferences.write(train, 24, 1);
        TrainingConfig training = new TrainingConfig(8, 1, 6L, 1.0, 3e-3, TrainingConfig.Schedule.COSINE, 3L, 0.0,
                null, null, null, 1.0, 1, 0, 3, 2, true); // with gradient checkpointing too
        RewardModelConfig config = RewardModelConfig.of(Fixtures.parityModel("gpt2"), List.of(train))
                .withTraining(training).withLora(new LoraConfig(4, 8.0, 0.1, List.of("c_attn"), null, null));
        RewardTrainingResult a = RewardTrainer.run(config, tmp.resolve("straight"), RunHook.NONE, null);
        RewardTrainingResult stopped = RewardTrainer.run(config, tmp.resolve("resumed"), RunHook.stopAfter(4), null);
        assertEquals(4, stopped.steps());
        RewardTrainingResult b = RewardTrainer.run(config, tmp.resolve("resumed"), RunHook.NONE, null);
        assertEquals(6, b.steps());
        for (String file : List.of(PeftAdapter.WEIGHTS_FILE, DecoderRewardModel.ADAPTER_SIDE_FILE)) {
            assertEquals(-1, Files.mismatch(a.modelDir().resolve(file), b.modelDir().resolve(file)), file);
        }
        List<String> la = Files.readAllLines(tmp.resolve("straight/metrics.jsonl"));
        List<String> lb = Files.readAllLines(tmp.resolve("resumed/metrics.jsonl"));
        assertEquals(la.size(), lb.size());
        for (int i = 0; i < la.size(); i++) {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            assertEquals(json.readTree(la.get(i)).get("loss"), json.readTree(lb.get(i)).get("loss"), "line " + i);
        }
    }

    /**
     * With {@code -Drlhf4j.lora.export=DIR}: the trained adapter and its scores in DIR/gpt2-rm, for
     * {@code tools/check_hf_load.py} (PEFT's SEQ_CLS model on the same base must agree).
     */
    private static void export(Path adapter, RewardModel rm, NDManager m) throws IOException {
        String to = System.getProperty("rlhf4j.lora.export");
        if (to == null) {
            return;
        }
        Path dir = Path.of(to).resolve("gpt2-rm");
        Files.createDirectories(dir);
        for (Path f : List.of(adapter.resolve(PeftAdapter.CONFIG_FILE), adapter.resolve(PeftAdapter.WEIGHTS_FILE))) {
            Files.copy(f, dir.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        long[][] ids = {{1, 17, 42, 99, 7, 250}, {1, 5, 8, 300, 2, 3}};
        long[][] mask = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0}};
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode exp = json.createObjectNode();
        exp.set("input_ids", json.valueToTree(ids));
        exp.set("attention_mask", json.valueToTree(mask));
        float[] scores = rm.scores(m.create(ids), m.create(mask)).toFloatArray();
        exp.putObject("scores").set("data", json.valueToTree(scores));
        ((com.fasterxml.jackson.databind.node.ObjectNode) exp.get("scores")).set("shape",
                json.valueToTree(new long[] {scores.length}));
        json.writeValue(dir.resolve("expected.json").toFile(), exp);
    }
}
