package dev.rlhf4j.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.checkpoint.SafetensorsCheckpoint;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.generate.Generation;
import dev.rlhf4j.core.generate.Generator;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.CheckpointManager;
import dev.rlhf4j.core.train.TrainingStoppedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whole SFT runs on a tiny model: it learns, it resumes exactly, it does not leak. */
class SftTrainerTest {

    @TempDir
    Path tmp;

    private static TrainingConfig training(int batchSize, int gradAccum, long maxSteps, double lr, int logEvery,
            int evalEvery, int saveEvery) {
        return new TrainingConfig(batchSize, gradAccum, maxSteps, null, lr, TrainingConfig.Schedule.COSINE, 3L, 0.01,
                null, null, null, 1.0, logEvery, evalEvery, saveEvery, 2);
    }

    private SftConfig config(String family, boolean packing, TrainingConfig training, String output) {
        Path model = Files.exists(tmp.resolve("base-" + family)) ? tmp.resolve("base-" + family)
                : SftFixtures.tinyModel(tmp.resolve("base-" + family), family, 11);
        Path data = SftFixtures.jsonl(tmp.resolve("demos.jsonl"), SftFixtures.millDemos());
        return new SftConfig(model, data, data, tmp.resolve(output), 64, packing, null, 7L, training);
    }

    @Test
    void learnsTheDemonstrationsAndReproducesOneGreedily() throws IOException {
        SftConfig cfg = config("llama", false, training(6, 1, 40, 1e-2, 10, 20, 0), "sft-model");
        SftResult r = SftTrainer.run(cfg, tmp.resolve("run"), null);

        List<JsonNode> lines = metrics(tmp.resolve("run"));
        double first = lines.get(0).get("loss").asDouble();
        assertEquals(40, r.steps());
        assertTrue(r.trainLoss() < 0.05 * first, "train loss " + first + " -> " + r.trainLoss());
        assertTrue(r.evalLoss() < 0.1, "eval loss " + r.evalLoss());
        assertEquals(Math.exp(r.evalLoss()), r.evalPerplexity(), 1e-9);
        assertEquals(1.0, r.evalTokenAccuracy());
        assertEquals(List.of(10L, 20L, 30L, 40L), lines.stream().map(l -> l.get("step").asLong()).toList());
        assertTrue(lines.get(1).has("eval/loss") && !lines.get(2).has("eval/loss") && lines.get(3).has("eval/loss"));

        // the output is a model directory with its tokenizer, and answers like the demonstration
        assertTrue(Files.exists(r.output().resolve("tokenizer.json")));
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(r.output());
                CausalLM model = ModelDirectory.loadCausalLM(r.output(), m, true)) {
            Generation g = new Generator(model, tok.padId(), tok.eosIds())
                    .generate(List.of(tok.encode("Q: Who bought the flour?\nA:")), SamplingConfig.greedy(12), m);
            assertEquals(" The baker.", tok.decode(g.response(0), true));
            assertTrue(g.endedWithStop()[0], "stops with EOS");
        }
    }

    /** N steps straight equal k steps, a crash after a checkpoint, and a resumed run: losses and weights bit for bit. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void resumedRunEqualsUninterruptedRun(boolean packing) throws IOException {
        // gpt2 has dropout 0.1; batch 2 x 2 micro-batches over 6 rows crosses an epoch every 2 steps
        int maxLength = packing ? 40 : 64;
        TrainingConfig t = training(2, 2, 10, 3e-3, 1, 4, 3);
        SftConfig straight = withMaxLength(config("gpt2", packing, t, "straight"), maxLength);
        SftResult a = SftTrainer.run(straight, tmp.resolve("straight-run"), null);

        SftConfig resumed = withMaxLength(config("gpt2", packing, t, "resumed"), maxLength);
        SftResult crashed = SftTrainer.run(resumed, tmp.resolve("resumed-run"), null, dev.rlhf4j.core.train.RunHook.stopAfter(5));
        assertNull(crashed.output());
        assertEquals(3, new CheckpointManager(tmp.resolve("resumed-run/checkpoints"), 2).latest().orElseThrow().step());
        SftResult b = SftTrainer.run(resumed, tmp.resolve("resumed-run"), null);

        assertEquals(3, b.resumedFromStep());
        assertEquals(a.steps(), b.steps());
        for (String key : List.of("step", "loss", "lr", "grad_norm", "train/epoch", "eval/loss")) {
            assertEquals(column(tmp.resolve("straight-run"), key), column(tmp.resolve("resumed-run"), key), key);
        }
        assertEquals(a.evalLoss(), b.evalLoss());
        Map<String, float[]> wa = weights(a.output());
        Map<String, float[]> wb = weights(b.output());
        assertEquals(wa.keySet(), wb.keySet());
        wa.forEach((name, values) -> assertArrayEquals(values, wb.get(name), name));

        // a checkpoint from other training keys is not resumed silently
        SftConfig other = resumed.withTraining(training(4, 1, 10, 3e-3, 1, 4, 3));
        TrainingStoppedException e = assertThrows(TrainingStoppedException.class,
                () -> SftTrainer.run(other, tmp.resolve("resumed-run"), null));
        assertTrue(e.getMessage().contains("the config changed since this checkpoint was saved: sft.training.batch_size"
                + " from 2 to 4, sft.training.grad_accum from 2 to 1;"), e.getMessage());
    }

    @Test
    void liveArraysStayConstantOverManySteps() throws IOException {
        SftConfig cfg = config("gpt2", true, training(2, 2, 24, 1e-3, 1, 4, 4), "leak-model");
        Map<Long, Integer> live = new LinkedHashMap<>();
        SftTrainer.run(cfg, tmp.resolve("leak-run"), null,
                new dev.rlhf4j.core.train.RunHook(Long.MAX_VALUE, step -> live.put(step, liveArrays())));
        // after the first checkpoint and evaluation, every step ends with the same arrays alive
        assertEquals(live.get(4L), live.get(24L), "live arrays after each step: " + live);
        assertEquals(live.get(5L), live.get(23L), "live arrays after each step: " + live);
    }

    private static SftConfig withMaxLength(SftConfig c, int maxLength) {
        return new SftConfig(c.model(), c.data(), c.evalData(), c.output(), maxLength, c.packing(), c.truncation(),
                c.seed(), c.training());
    }

    private static int liveArrays() {
        try (NDManager probe = NDManager.newBaseManager()) { // its parent is the engine's system manager
            return probe.getParentManager().getManagedArrays().size();
        }
    }

    private static List<JsonNode> metrics(Path runDir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            out.add(json.readTree(line));
        }
        return out;
    }

    private static List<String> column(Path runDir, String key) throws IOException {
        return metrics(runDir).stream().map(l -> l.has(key) ? l.get(key).asText() : "-").toList();
    }

    private static Map<String, float[]> weights(Path dir) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (SafetensorsCheckpoint c = ModelDirectory.open(dir)) {
            for (String name : c.names()) {
                out.put(name, c.readFloats(name));
            }
        }
        return out;
    }
}
