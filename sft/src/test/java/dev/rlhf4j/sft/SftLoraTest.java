package dev.rlhf4j.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.PeftAdapter;
import dev.rlhf4j.core.checkpoint.SafetensorsFile;
import dev.rlhf4j.core.config.LoraConfig;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.train.CheckpointManager;
import dev.rlhf4j.core.train.RunHook;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFT with {@code lora:}: the output is a PEFT adapter directory on the untouched base, the
 * optimizer holds moments for the adapters only, and a resumed run equals an uninterrupted one.
 *
 * <p>With {@code -Drlhf4j.lora.export=DIR} the trained adapters (llama and gpt2) and their logits
 * are also written to DIR for {@code tools/check_hf_load.py} (PEFT must load them and agree).
 */
class SftLoraTest {
    private static final long[][] IDS = {{1, 17, 42, 99, 7, 250}, {1, 5, 8, 300, 2, 3}};
    private static final long[][] MASK = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0}};

    @TempDir
    Path tmp;

    private static TrainingConfig training(long maxSteps, int saveEvery) {
        return new TrainingConfig(2, 2, maxSteps, null, 1e-2, TrainingConfig.Schedule.COSINE, 2L, 0.01, null, null,
                null, 1.0, 1, 0, saveEvery, 2);
    }

    private SftConfig config(String family, TrainingConfig training, String output) {
        Path model = Files.exists(tmp.resolve("base-" + family)) ? tmp.resolve("base-" + family)
                : SftFixtures.tinyModel(tmp.resolve("base-" + family), family, 11);
        Path data = SftFixtures.jsonl(tmp.resolve("demos.jsonl"), SftFixtures.millDemos());
        LoraConfig lora = new LoraConfig(4, 16.0, 0.1, List.of(LoraConfig.ALL_LINEAR), null, null);
        return new SftConfig(model, data, null, tmp.resolve(output), 64, false, null, 7L, training, lora);
    }

    @Test
    void writesAPeftAdapterOnTheUntouchedBaseAndTrainsOnlyTheAdapters() throws IOException {
        for (String family : List.of("llama", "gpt2")) {
            SftConfig cfg = config(family, training(12, 12), "adapter-" + family);
            Map<String, float[]> baseBefore = tensors(cfg.model().resolve("model.safetensors"));
            SftResult r = SftTrainer.run(cfg, tmp.resolve("run-" + family), null);
            Path out = r.output();
            assertTrue(PeftAdapter.isAdapter(out), "a PEFT adapter directory: " + out);
            assertTrue(Files.exists(out.resolve("tokenizer.json")));
            JsonNode ac = new ObjectMapper().readTree(out.resolve(PeftAdapter.CONFIG_FILE).toFile());
            assertEquals("CAUSAL_LM", ac.get("task_type").asText());
            assertEquals(family.equals("gpt2"), ac.get("fan_in_fan_out").asBoolean());
            assertEquals(cfg.model().toAbsolutePath().normalize().toString(),
                    ac.get("base_model_name_or_path").asText());
            Map<String, float[]> adapter = tensors(out.resolve(PeftAdapter.WEIGHTS_FILE));
            String first = family.equals("gpt2") ? "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight"
                    : "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
            assertTrue(adapter.containsKey(first), adapter.keySet().toString());
            assertTrue(adapter.keySet().stream().allMatch(k -> k.contains(".lora_")), adapter.keySet().toString());
            assertTrue(maxAbs(adapter.get(first)) > 0, "B moved away from zero");
            // the base on disk is what it was, and the optimizer state covers the adapters alone
            Map<String, float[]> baseAfter = tensors(cfg.model().resolve("model.safetensors"));
            baseBefore.forEach((k, v) -> assertArrayEquals(v, baseAfter.get(k), k));
            Path ck = new CheckpointManager(tmp.resolve("run-" + family + "/checkpoints"), 2).latest().orElseThrow()
                    .dir();
            try (NDManager m = NDManager.newBaseManager(); InputStream in = Files.newInputStream(
                    ck.resolve(CheckpointManager.OPTIMIZER_FILE))) {
                NDList state = NDList.decode(m, in);
                assertEquals(3 * adapter.size(), state.size(), "exp_avg, exp_avg_sq and step per adapter tensor");
                for (NDArray a : state) {
                    assertTrue(a.getName().contains(".lora_"), a.getName());
                }
            }
            List<String> lines = Files.readAllLines(tmp.resolve("run-" + family + "/metrics.jsonl"));
            double firstLoss = new ObjectMapper().readTree(lines.get(0)).get("loss").asDouble();
            assertTrue(r.trainLoss() < 0.9 * firstLoss, "it learns: " + firstLoss + " -> " + r.trainLoss());
            export(family, out);
        }
    }

    @Test
    void resumedLoraRunEqualsUninterruptedRun() throws IOException {
        TrainingConfig t = training(8, 3);
        SftResult a = SftTrainer.run(config("gpt2", t, "straight"), tmp.resolve("straight-run"), null);
        SftConfig resumed = config("gpt2", t, "resumed");
        SftResult crashed = SftTrainer.run(resumed, tmp.resolve("resumed-run"), null, RunHook.stopAfter(4));
        assertEquals(null, crashed.output());
        SftResult b = SftTrainer.run(resumed, tmp.resolve("resumed-run"), null);
        assertEquals(3, b.resumedFromStep());
        assertEquals(Files.readAllLines(tmp.resolve("straight-run/metrics.jsonl")).stream()
                        .map(SftLoraTest::withoutRate).toList(),
                Files.readAllLines(tmp.resolve("resumed-run/metrics.jsonl")).stream().map(SftLoraTest::withoutRate)
                        .toList());
        Map<String, float[]> wa = tensors(a.output().resolve(PeftAdapter.WEIGHTS_FILE));
        Map<String, float[]> wb = tensors(b.output().resolve(PeftAdapter.WEIGHTS_FILE));
        assertEquals(wa.keySet(), wb.keySet());
        wa.forEach((k, v) -> assertArrayEquals(v, wb.get(k), k));
        assertFalse(wa.isEmpty());
    }

    /** The metrics line without its wall-clock keys. */
    private static String withoutRate(String line) {
        try {
            ObjectNode n = (ObjectNode) new ObjectMapper().readTree(line);
            n.remove("tokens_per_s");
            n.remove("time");
            return n.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Writes the adapter and its logits for tools/check_hf_load.py when -Drlhf4j.lora.export is set. */
    private static void export(String family, Path adapter) throws IOException {
        String to = System.getProperty("rlhf4j.lora.export");
        if (to == null) {
            return;
        }
        Path dir = Path.of(to).resolve(family);
        Path base = Path.of(to).resolve(family + "-base"); // the test's base lives in a temporary directory
        try (NDManager m = NDManager.newBaseManager(); CausalLM model = ModelDirectory.loadCausalLM(adapter, m, true);
                dev.rlhf4j.core.tokenizer.Tokenizer tok = dev.rlhf4j.core.tokenizer.Tokenizer.load(adapter)) {
            try (var off = model.lora().disabled()) {
                ModelDirectory.saveCausalLM(base, model, tok);
            }
            PeftAdapter.save(dir, model, PeftAdapter.CAUSAL_LM, base, Map.of(), Map.of(), tok);
            ModelDirectory.saveCausalLM(Path.of(to).resolve(family + "-merged"), model, tok); // merged
            NDArray logits = model.forward(m.create(IDS), m.create(MASK), null, null, false).logits();
            ObjectNode exp = new ObjectMapper().createObjectNode();
            exp.set("input_ids", new ObjectMapper().valueToTree(IDS));
            exp.set("attention_mask", new ObjectMapper().valueToTree(MASK));
            ObjectNode l = exp.putObject("logits");
            l.set("shape", new ObjectMapper().valueToTree(logits.getShape().getShape()));
            l.set("data", new ObjectMapper().valueToTree(logits.toFloatArray()));
            new ObjectMapper().writeValue(dir.resolve("expected.json").toFile(), exp);
        }
    }

    private static Map<String, float[]> tensors(Path file) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.names()) {
                out.put(name, f.readFloats(name));
            }
        }
        return out;
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
