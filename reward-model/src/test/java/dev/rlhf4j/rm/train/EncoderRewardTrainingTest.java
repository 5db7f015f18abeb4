package dev.rlhf4j.rm.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.config.TrainingConfig;
import dev.rlhf4j.core.testing.Fixtures;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.RunHook;
import dev.rlhf4j.rm.EncoderRewardModel;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import dev.rlhf4j.rm.RewardScorer;
import dev.rlhf4j.rm.data.PairFiles;
import dev.rlhf4j.rm.data.PreferencePair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rm train} with an encoder: the BERT fixture (WordPiece, d 24, 2 layers) learns the
 * synthetic preference set (Bradley–Terry, the head on [CLS]), and the directory it saves reloads
 * with the same scores. (transformers loads such a directory too: tools/make_encoder_fixtures.py
 * --check DIR.)
 */
class EncoderRewardTrainingTest {

    @TempDir
    Path tmp;

    private RewardModelConfig config(long steps) throws IOException {
        Path train = tmp.resolve("train.jsonl");
        Path test = tmp.resolve("test.jsonl");
        SyntheticPreferences.write(train, 80, 1);
        SyntheticPreferences.write(test, 40, 2);
        TrainingConfig training = new TrainingConfig(8, 1, steps, 1.0, 3e-3, TrainingConfig.Schedule.COSINE, 3L, 0.0,
                null, null, null, 1.0, 10, 0, 0, 2);
        return RewardModelConfig.of(Fixtures.path("encoders/bert"), List.of(train)).withTraining(training)
                .withEvalData(List.of(test));
    }

    private static double accuracy(RewardModel rm, Tokenizer tok, List<PreferencePair> pairs, NDManager m) {
        RewardScorer.PairScores s = new RewardScorer(rm, RewardInputs.forModel(rm, tok, null), 16, m).scorePairs(pairs);
        int correct = 0;
        for (int i = 0; i < pairs.size(); i++) {
            correct += s.chosen()[i] > s.rejected()[i] ? 1 : 0;
        }
        return (double) correct / pairs.size();
    }

    @Test
    void bertLearnsThePreferencesAndItsSavedDirectoryReloadsWithEqualScores() throws IOException {
        RewardModelConfig config = config(60L);
        List<PreferencePair> heldOut = PairFiles.read(config.evalData()).stream().filter(p -> !p.tie()).toList();
        double before;
        try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(config.init());
                RewardModel rm = RewardModel.load(config.init(), m)) {
            before = accuracy(rm, tok, heldOut, m);
        }
        try (RewardTrainer t = new RewardTrainer(config, tmp.resolve("run"), null)) {
            RewardTrainingResult result = t.train(RunHook.NONE);
            assertInstanceOf(EncoderRewardModel.class, t.model());
            try (NDManager m = NDManager.newBaseManager(); Tokenizer tok = Tokenizer.load(result.modelDir());
                    RewardModel saved = RewardModel.load(result.modelDir(), m)) {
                double after = accuracy(saved, tok, heldOut, m);
                assertTrue(after >= 0.9 && after > before + 0.2, "held-out pair accuracy " + before + " -> " + after);
                RewardInputs inputs = RewardInputs.forModel(saved, tok, null);
                RewardScorer.PairScores reloaded = new RewardScorer(saved, inputs, 16, m).scorePairs(heldOut);
                RewardScorer.PairScores trained = new RewardScorer(t.model(), inputs, 16, m).scorePairs(heldOut);
                assertArrayEquals(trained.chosen(), reloaded.chosen());
                assertArrayEquals(trained.rejected(), reloaded.rejected());
                assertEquals(result.normalization(), saved.normalization());
            }
        }
    }

    /** Checkpoints hold the encoder's directory and its optimizer: 4 steps, stop, resume to 6 = 6 straight, bit for bit. */
    @Test
    void resumedRunEqualsTheUninterruptedOne() throws IOException {
        TrainingConfig training = new TrainingConfig(8, 1, 6L, 1.0, 3e-3, TrainingConfig.Schedule.COSINE, 3L, 0.0,
                null, null, null, 1.0, 1, 0, 2, 2);
        RewardModelConfig config = config(6L).withTraining(training);
        RewardTrainingResult a = RewardTrainer.run(config, tmp.resolve("straight"), RunHook.NONE, null);
        Path resumed = tmp.resolve("resumed");
        RewardTrainer.run(config, resumed, RunHook.stopAfter(4), null);
        RewardTrainingResult b = RewardTrainer.run(config, resumed, RunHook.NONE, null);
        try (NDManager m = NDManager.newBaseManager(); RewardModel ma = RewardModel.load(a.modelDir(), m);
                RewardModel mb = RewardModel.load(b.modelDir(), m)) {
            assertInstanceOf(EncoderRewardModel.class, mb);
            ma.namedParameters().forEach((name, p) -> assertArrayEquals(p.getArray().toFloatArray(),
                    mb.namedParameters().get(name).getArray().toFloatArray(), name));
        }
    }

    @Test
    void liveArrayCountStaysFlatOverManySteps() throws IOException {
        try (RewardTrainer t = new RewardTrainer(config(50L), tmp.resolve("run"), null)) {
            t.prepare();
            t.trainStep();
            int live = t.manager().getManagedArrays().size();
            for (int i = 0; i < 20; i++) {
                t.trainStep();
            }
            assertEquals(live, t.manager().getManagedArrays().size(), "live NDArrays after 21 steps");
        }
    }
}
