package dev.rlhf4j.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Packed rows hold every example once, fit max_length, and give each example its unpacked loss. */
class PackingTest {

    @TempDir
    Path tmp;

    @Test
    void bestFitDecreasingFillsRowsWithoutSplittingExamples() {
        List<SftExample> examples = new ArrayList<>();
        int[] lengths = {7, 3, 9, 2, 5, 5, 8, 1, 4};
        for (int i = 0; i < lengths.length; i++) {
            examples.add(new SftExample(new long[lengths[i]], new boolean[lengths[i]], 0, "x:" + i));
        }
        List<List<SftExample>> rows = Packing.pack(examples, 10);
        // BFD: 9+1, 8+2, 7+3, 5+5, 4
        assertEquals(List.of(List.of(9, 1), List.of(8, 2), List.of(7, 3), List.of(5, 5), List.of(4)),
                rows.stream().map(r -> r.stream().map(SftExample::length).toList()).toList());
        Map<SftExample, Integer> seen = new IdentityHashMap<>();
        rows.forEach(r -> r.forEach(e -> seen.merge(e, 1, Integer::sum)));
        assertEquals(examples.size(), seen.size());
        assertTrue(seen.values().stream().allMatch(c -> c == 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void packedExamplesHaveTheirUnpackedLoss(String family) {
        Path dir = SftFixtures.tinyModel(tmp.resolve(family), family, 3);
        Path file = SftFixtures.jsonl(tmp.resolve("d.jsonl"), SftFixtures.millDemos());
        try (Tokenizer tok = Tokenizer.load(dir); NDManager m = NDManager.newBaseManager();
                CausalLM model = ModelDirectory.loadCausalLM(dir, m, true)) {
            List<SftExample> examples = SftDataset.load(file, tok, 64, SftConfig.Truncation.DROP).examples();
            List<List<SftExample>> rows = Packing.pack(examples, 64);
            assertTrue(rows.size() < examples.size(), "some rows hold several examples");
            SftBatch packed = SftBatch.collate(rows, tok.padId(), true);
            float[][] packedNll = weightedNll(model, packed, m);
            int r = 0;
            for (List<SftExample> row : rows) {
                int at = 0;
                for (SftExample e : row) {
                    float[][] alone = weightedNll(model, SftBatch.collate(List.of(List.of(e)), tok.padId(), false), m);
                    double lossPacked = 0;
                    double lossAlone = 0;
                    for (int t = 0; t < e.length(); t++) {
                        lossPacked += packedNll[r][at + t];
                        lossAlone += alone[0][t];
                    }
                    lossPacked /= e.targetCount();
                    lossAlone /= e.targetCount();
                    assertEquals(lossAlone, lossPacked, 1e-5, e.where());
                    at += e.length();
                }
                r++;
            }
            // and the batch means agree: the same tokens, the same weights
            assertEquals(meanLoss(model, SftBatch.collate(Packing.unpacked(examples), tok.padId(), false), m),
                    meanLoss(model, packed, m), 1e-5);
        }
    }

    private static float[][] weightedNll(CausalLM model, SftBatch batch, NDManager parent) {
        try (NDManager m = parent.newSubManager()) {
            SftBatch.Tensors x = batch.toTensors(m);
            NDArray logits = model.forward(x.ids(), x.attentionMask(), x.positions(), x.segmentIds(), null, false)
                    .logits();
            float[] flat = SftLoss.weightedNll(logits, x.targets(), x.weights()).toFloatArray();
            float[][] out = new float[batch.rows()][batch.width()];
            for (int b = 0; b < batch.rows(); b++) {
                System.arraycopy(flat, b * batch.width(), out[b], 0, batch.width());
            }
            return out;
        }
    }

    private static double meanLoss(CausalLM model, SftBatch batch, NDManager parent) {
        try (NDManager m = parent.newSubManager()) {
            return SftLoss.meanLoss(model, batch.toTensors(m), false).getFloat();
        }
    }
}
