package dev.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PPO with an encoder reward model (the BERT fixture: WordPiece) for a GPT-2 policy (byte-level
 * BPE): the tokenizers differ, which is fine for the scorer (it reads the response's text), but the
 * encoder cannot start the critic. Each sample's {@code score_raw} is the reward model's score of
 * its prompt + response text, and the re-tokenisation is timed as scoring.
 */
class EncoderRewardModelPpoTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path POLICY = Fixtures.parityModel("gpt2");
    private static final Path BERT = Fixtures.path("encoders/bert");

    @TempDir
    Path tmp;

    private static PpoConfig config(String critic) throws IOException {
        return JSON.readValue("""
                {"policy": "%s", "reward_model": "%s", "critic": "%s", "prompts": "unused", "iterations": 2,
                 "batch_size": 4, "ppo_epochs": 1, "max_new_tokens": 6, "temperature": 1.0, "missing_eos": "ignore",
                 "log_every": 1, "sample_every": 1, "seed": 3}
                """.formatted(POLICY, BERT, critic), PpoConfig.class);
    }

    /** Counts the time spent inside the reward model's scores(), where the samples are re-tokenised. */
    private static final class Timed implements SequenceScorer {
        final SequenceScorer inner;
        final List<Double> seconds = new ArrayList<>();

        Timed(SequenceScorer inner) {
            this.inner = inner;
        }

        @Override
        public NDArray scores(NDArray ids, NDArray mask, List<Sample> samples) {
            long t0 = System.nanoTime();
            NDArray out = inner.scores(ids, mask, samples);
            seconds.add((System.nanoTime() - t0) / 1e9);
            return out;
        }

        @Override
        public float mean() {
            return inner.mean();
        }

        @Override
        public float std() {
            return inner.std();
        }
    }

    @Test
    void anEncoderWithAnotherTokenizerScoresTheResponsesText() throws IOException {
        assertTrue(Files.mismatch(POLICY.resolve("tokenizer.json"), BERT.resolve("tokenizer.json")) != -1);
        PpoConfig cfg = config("policy");
        Path run = tmp.resolve("run");
        Timed timed;
        try (PpoModels loaded = PpoModels.load(cfg)) {
            PpoTrainer.Models models = loaded.models();
            timed = new Timed(models.reward());
            Tokenizer tok = models.tokenizer();
            List<PromptSource.Prompt> prompts = new ArrayList<>();
            for (String p : List.of("How far is the city?", "The train left at ten.", "Where is the passport?",
                    "Tell me about the mill.")) {
                prompts.add(new PromptSource.Prompt(p, tok.encode(p)));
            }
            new PpoTrainer(cfg, new PpoTrainer.Models(models.policy(), models.reference(), timed, models.critic(), tok),
                    prompts, run, List.of()).train();
        }
        List<JsonNode> log = lines(run.resolve("metrics.jsonl"));
        assertEquals(2, log.size());
        for (int i = 0; i < log.size(); i++) {
            double score = log.get(i).get("time/score").asDouble();
            assertTrue(score >= timed.seconds.get(i), "time/score " + score + " holds the reward model's re-tokenisation"
                    + " and forward (" + timed.seconds.get(i) + " s)");
            assertTrue(Double.isFinite(log.get(i).get("objective/scores_raw").asDouble()));
        }
        // score_raw of every sample = the encoder's score of prompt + response, as rm score reads it
        List<JsonNode> samples = lines(run.resolve("samples.jsonl"));
        assertFalse(samples.isEmpty());
        try (NDManager m = NDManager.newBaseManager(); Tokenizer rmTok = Tokenizer.load(BERT);
                RewardModel rm = RewardModel.load(BERT, m)) {
            RewardInputs inputs = RewardInputs.forModel(rm, rmTok, null);
            List<long[]> seqs = new ArrayList<>();
            for (JsonNode s : samples) {
                seqs.add(inputs.text(s.get("prompt").asText(), s.get("response").asText()));
            }
            float[] want = new RewardScorer(rm, inputs, 1, m).scoreSequences(seqs);
            for (int i = 0; i < samples.size(); i++) {
                assertEquals(want[i], samples.get(i).get("score_raw").floatValue(), 1e-5f, "sample " + i);
            }
        }
    }

    @Test
    void anEncoderCannotStartTheCritic() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PpoModels.load(config("reward_model")));
        assertEquals("ppo.critic is reward_model, but ppo.reward_model (" + BERT + ") is an encoder (bert); a critic reads"
                + " the policy's tokens, one value per token, which only a decoder can: set ppo.critic: policy (the SFT"
                + " model with a fresh value head) or shared", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PpoModels.load(config(BERT.toString())));
        assertTrue(e.getMessage().startsWith("ppo.critic (" + BERT + ") is an encoder (bert)"), e.getMessage());
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }
}
