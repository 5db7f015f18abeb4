package dev.rlhf4j.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.testing.GcChurn;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SFT loss equals transformers' and takes nothing from masked tokens. */
class SftLossTest {

    /** transformers' loss for the fixture's input_ids, attention_mask and labels (-100 on prompt and pads). */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2"})
    void lossMatchesTransformers(String family) {
        JsonNode sft = Fixtures.expected(family).get("sft_loss");
        long[][] ids = Fixtures.longMatrix(sft.get("input_ids"));
        long[][] mask = Fixtures.longMatrix(sft.get("attention_mask"));
        long[][] labels = Fixtures.longMatrix(sft.get("labels"));
        // transformers shifts the labels by one: position t is scored on labels[t + 1]
        int b = ids.length;
        int t = ids[0].length;
        long[][] targets = new long[b][t];
        float[][] weights = new float[b][t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j + 1 < t; j++) {
                targets[i][j] = Math.max(0, labels[i][j + 1]);
                weights[i][j] = labels[i][j + 1] == -100 ? 0 : 1;
            }
        }
        try (NDManager m = NDManager.newBaseManager();
                CausalLM model = ModelDirectory.loadCausalLM(Fixtures.parityModel(family), m, true)) {
            NDArray logits = model.forward(m.create(ids), m.create(mask), null, null, false).logits();
            float loss = SftLoss.meanLoss(logits, m.create(targets), m.create(weights)).getFloat();
            float expected = (float) sft.get("loss").asDouble();
            assertEquals(expected, loss, 1e-5 * expected);
            assertEquals(sft.get("loss_tokens").asLong(), (long) m.create(weights).sum().getFloat());

            // and the same loss from our own pipeline: examples -> tokens -> batch
            try (Tokenizer tok = SftFixtures.tokenizer(family)) {
                ExampleEncoder encoder = new ExampleEncoder(tok);
                List<List<SftExample>> rows = new ArrayList<>();
                sft.get("examples").forEach(e -> rows.add(List.of(encoder.promptCompletion(
                        e.get("prompt").asText(), e.get("completion").asText(), "fixture"))));
                SftBatch batch = SftBatch.collate(rows, tok.padId(), false);
                assertEquals(expected, SftLoss.meanLoss(model, batch.toTensors(m), false).getFloat(), 1e-5 * expected);
            }
        }
    }

    /** Changing the target of a masked (prompt) position changes no gradient, bit for bit. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void maskedTargetsContributeNoGradient(String family) {
        JsonNode sft = Fixtures.expected(family).get("sft_loss");
        try (Tokenizer tok = SftFixtures.tokenizer(family); NDManager m = NDManager.newBaseManager();
                CausalLM model = ModelDirectory.loadCausalLM(Fixtures.parityModel(family), m, true)) {
            ExampleEncoder encoder = new ExampleEncoder(tok);
            List<List<SftExample>> rows = new ArrayList<>();
            sft.get("examples").forEach(e -> rows.add(List.of(encoder.promptCompletion(
                    e.get("prompt").asText(), e.get("completion").asText(), "fixture"))));
            SftBatch batch = SftBatch.collate(rows, tok.padId(), false);
            // the same batch, with every masked target (prompt and pad positions) replaced by another token
            long[][] otherTargets = new long[batch.rows()][];
            int changed = 0;
            for (int b = 0; b < batch.rows(); b++) {
                otherTargets[b] = batch.targets()[b].clone();
                for (int t = 0; t < batch.width(); t++) {
                    if (batch.weights()[b][t] == 0) {
                        otherTargets[b][t] = (otherTargets[b][t] + 17) % 384;
                        changed++;
                    }
                }
            }
            SftBatch relabelled = new SftBatch(batch.ids(), batch.attentionMask(), batch.positions(), null, otherTargets,
                    batch.weights(), batch.examples(), batch.tokens(), batch.targetTokens());
            assertNotEquals(0, changed);

            Map<String, float[]> grads = gradients(model, batch, m);
            assertTrue(same(grads, gradients(model, relabelled, m)), "masked targets changed a gradient");
            // a trained target does move the gradients: the comparison can see a difference
            long[][] oneTrained = new long[batch.rows()][];
            for (int b = 0; b < batch.rows(); b++) {
                oneTrained[b] = batch.targets()[b].clone();
            }
            int lastTrained = (int) java.util.Arrays.stream(batch.attentionMask()[0]).sum() - 2;
            assertEquals(1f, batch.weights()[0][lastTrained]);
            oneTrained[0][lastTrained] = (oneTrained[0][lastTrained] + 17) % 384;
            assertFalse(same(grads, gradients(model, new SftBatch(batch.ids(), batch.attentionMask(),
                    batch.positions(), null, oneTrained, batch.weights(), batch.examples(), batch.tokens(),
                    batch.targetTokens()), m)));
        }
    }

    private static boolean same(Map<String, float[]> a, Map<String, float[]> b) {
        return a.keySet().equals(b.keySet())
                && a.keySet().stream().allMatch(k -> java.util.Arrays.equals(a.get(k), b.get(k)));
    }

    /** d loss / d logits is exactly zero at every position whose weight is zero. */
    @Test
    void logitGradientIsZeroAtMaskedPositions() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.randomNormal(new Shape(2, 5, 11));
            logits.setRequiresGradient(true);
            NDArray targets = m.create(new long[][] {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}});
            float[][] w = {{0, 0, 1, 1, 0}, {0, 1, 0, 0, 0}};
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(SftLoss.meanLoss(logits, targets, m.create(w)));
            }
            float[] grad = logits.getGradient().toFloatArray();
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < 5; t++) {
                    float sumAbs = 0;
                    for (int v = 0; v < 11; v++) {
                        sumAbs += Math.abs(grad[(b * 5 + t) * 11 + v]);
                    }
                    if (w[b][t] == 0) {
                        assertEquals(0f, sumAbs, "position " + b + "," + t);
                    } else {
                        assertNotEquals(0f, sumAbs, "position " + b + "," + t);
                    }
                }
            }
        }
    }

    private static Map<String, float[]> gradients(CausalLM model, SftBatch batch, NDManager parent) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = parent.newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = SftLoss.meanLoss(model, batch.toTensors(m), false);
                GcChurn.churn(); // nothing the backward reads may depend on garbage collection
                gc.backward(loss);
            }
            for (Map.Entry<String, Parameter> p : model.namedParameters().entrySet()) {
                NDArray g = p.getValue().getArray().getGradient();
                out.put(p.getKey(), g.toFloatArray());
                g.subi(g); // zero for the next call (gradients accumulate across collectors)
                g.close();
            }
        }
        return out;
    }

    /** The masked token loss keeps every operand its backward reads alive through a garbage collection. */
    @org.junit.jupiter.api.Test
    void gradientsSurviveAGarbageCollection() {
        dev.rlhf4j.core.testing.GcSafeGradients.assertGradientsSurviveAGarbageCollection(
                new float[][] {{0.1f, 2f, -1f, 0.5f, 0.3f, -0.2f, 1.5f, 0f}},
                (m, x) -> SftLoss.meanLoss(x[0].reshape(1, 2, 4), m.create(new long[] {1, 3}).reshape(1, 2),
                        m.create(new float[] {1f, 0.5f}).reshape(1, 2)));
    }
}
