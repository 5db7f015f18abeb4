package dev.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.checkpoint.ModelDirectory;
import dev.rlhf4j.core.generate.SamplingConfig;
import dev.rlhf4j.core.model.CausalLM;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.rm.RewardModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Best-of-n on the tiny GPT-2 policy and reward model of the parity fixtures: n draws per prompt,
 * scored by the reward model, the same for the same seed, live arrays flat over batches; ranking
 * with and without a missing EOS.
 */
class BestOfNTest {

    private static final SamplingConfig SAMPLING = new SamplingConfig(6, 1f, 0, 1f, false, List.of(), 5);

    private static List<PromptSource.Prompt> prompts(Path dir, Tokenizer tok, String... texts) throws IOException {
        Path file = dir.resolve("prompts-" + texts.length + ".jsonl");
        StringBuilder lines = new StringBuilder();
        for (String t : texts) {
            lines.append("{\"prompt\": \"").append(t).append("\"}\n");
        }
        Files.writeString(file, lines);
        return PromptSource.read(file, tok, 64);
    }

    private static String fingerprint(List<BestOfN.Result> results) {
        StringBuilder b = new StringBuilder();
        for (BestOfN.Result r : results) {
            for (BestOfN.Draw d : r.draws()) {
                b.append(d).append('\n');
            }
        }
        return b.toString();
    }

    @Test
    void drawsAreScoredDeterministicAndLeaveNoArraysBehind(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager();
                Tokenizer tok = Tokenizer.load(Fixtures.parityModel("gpt2"));
                Tokenizer rmTok = Tokenizer.load(Fixtures.parityModel("gpt2-rm"));
                CausalLM policy = ModelDirectory.loadCausalLM(Fixtures.parityModel("gpt2"), m, true);
                RewardModel rm = RewardModel.load(Fixtures.parityModel("gpt2-rm"), m)) {
            policy.setTrainable(false);
            SequenceScorer scorer = RewardModels.scorer(rm, rmTok);
            List<PromptSource.Prompt> one = prompts(tmp, tok, "Who is the baker?");
            List<PromptSource.Prompt> three = prompts(tmp, tok, "Who is the baker?", "The river", "A quiet town");
            int live = m.getManagedArrays().size();

            List<BestOfN.Result> a = BestOfN.sample(policy, tok, scorer, three, 4, SAMPLING, 3,
                    BestOfN.MissingEos.RANK_LAST, m); // 4 batches of 3 rows, one spanning two prompts
            assertEquals(live, m.getManagedArrays().size(), "live NDArrays after 4 batches");
            BestOfN.sample(policy, tok, scorer, one, 4, SAMPLING, 3, BestOfN.MissingEos.RANK_LAST, m);
            assertEquals(live, m.getManagedArrays().size(), "live NDArrays after 2 batches");

            assertEquals(3, a.size());
            for (int i = 0; i < 3; i++) {
                assertEquals(three.get(i), a.get(i).prompt());
                assertEquals(4, a.get(i).draws().size());
            }
            // the score of each draw is the reward model's score of prompt + response, batched differently
            BestOfN.Draw d = a.get(1).draws().get(2);
            try (NDManager s = m.newSubManager()) {
                float alone = scorer.scores(s.zeros(new ai.djl.ndarray.types.Shape(1, 1)), null,
                        List.of(new SequenceScorer.Sample(three.get(1), d.response()))).toFloatArray()[0];
                assertEquals(alone, d.score(), 1e-5);
            }
            assertEquals(fingerprint(a), fingerprint(BestOfN.sample(policy, tok, scorer, three, 4, SAMPLING, 3,
                    BestOfN.MissingEos.RANK_LAST, m)), "the same seed and batch size");
            // batches run apart (in any order, by other processes) draw what one sampling draws
            List<BestOfN.Draw> split = new ArrayList<>(BestOfN.sampleBatches(policy, tok, scorer, three, 4, SAMPLING, 3,
                    3, 4, m));
            split.addAll(0, BestOfN.sampleBatches(policy, tok, scorer, three, 4, SAMPLING, 3, 0, 3, m));
            assertEquals(fingerprint(a), fingerprint(BestOfN.results(three, split, 4, BestOfN.MissingEos.RANK_LAST)),
                    "batches 3 then 0..2");
            SamplingConfig otherSeed = new SamplingConfig(6, 1f, 0, 1f, false, List.of(), 6);
            assertNotEquals(fingerprint(a), fingerprint(BestOfN.sample(policy, tok, scorer, three, 4, otherSeed, 3,
                    BestOfN.MissingEos.RANK_LAST, m)), "another seed");
            double[] curve = BestOfN.curve(a, 4, (p, x) -> x.score());
            for (int k = 2; k <= 4; k++) {
                assertTrue(curve[k - 1] >= curve[k - 2] - 1e-6, "best-of-k of the proxy grows with k: " + curve[k - 1]);
            }
        }
    }

    @Test
    void aResponseWithoutEosRanksLastUnlessIgnored() {
        PromptSource.Prompt p = new PromptSource.Prompt("p", new long[] {1});
        List<BestOfN.Draw> draws = List.of(new BestOfN.Draw("a", true, 3, 0.5f), new BestOfN.Draw("b", false, 8, 2f),
                new BestOfN.Draw("c", true, 2, 1f), new BestOfN.Draw("d", true, 2, 1f), new BestOfN.Draw("e", false, 8, -3f));
        BestOfN.Result last = new BestOfN.Result(p, draws, BestOfN.MissingEos.RANK_LAST);
        assertEquals(2, last.best());
        assertArrayEquals(new int[] {3, 4, 1, 2, 5}, last.ranks());
        BestOfN.Result ignore = new BestOfN.Result(p, draws, BestOfN.MissingEos.IGNORE);
        assertEquals(1, ignore.best());
        assertArrayEquals(new int[] {4, 1, 2, 3, 5}, ignore.ranks());
        double[] scores = ignore.scores();
        assertEquals(1.0, last.bestOf(5, scores), 1e-12);
        assertEquals(2.0, ignore.bestOf(5, scores), 1e-12);
    }
}
