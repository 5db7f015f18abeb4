package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.NamedParameter;
import dev.rlhf4j.rm.RewardModel;
import java.nio.file.Path;
import java.util.List;

/** A {@link RewardModel} in PPO's two roles: the frozen scorer, and the trained critic. */
public final class RewardModels {
    private RewardModels() {}

    /** The frozen scorer: raw scores at the last real token, with the model's stored normalisation. */
    public static SequenceScorer scorer(RewardModel rm) {
        rm.setTrainable(false);
        return new SequenceScorer() {
            @Override
            public NDArray scores(NDArray ids, NDArray mask) {
                return rm.scores(ids, mask);
            }

            @Override
            public float mean() {
                return (float) rm.normalization().mean();
            }

            @Override
            public float std() {
                return (float) rm.normalization().std();
            }
        };
    }

    /** The critic: the reward model's head read at every position (a value per state). */
    public static ValueModel critic(RewardModel rm, Tokenizer tokenizer) {
        rm.setTrainable(true);
        return new ValueModel() {
            @Override
            public NDArray values(NDArray ids, NDArray mask) {
                return rm.perTokenScores(ids, mask);
            }

            @Override
            public List<NamedParameter> trainableParameters() {
                return rm.trainableParameters();
            }

            @Override
            public void save(Path dir) {
                rm.save(dir, tokenizer);
            }

            @Override
            public void loadWeights(Path dir) {
                try (NDManager m = NDManager.newBaseManager(); RewardModel saved = RewardModel.load(dir, m)) {
                    saved.namedParameters().forEach((name, p) ->
                            rm.namedParameters().get(name).getArray().set(p.getArray().toFloatArray()));
                }
            }

            @Override
            public void close() {
                rm.close();
            }
        };
    }
}
