package dev.rlhf4j.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.core.tokenizer.ChatMessage;
import dev.rlhf4j.core.tokenizer.Tokenizer;
import dev.rlhf4j.core.train.NamedParameter;
import dev.rlhf4j.rm.DecoderRewardModel;
import dev.rlhf4j.rm.RewardInputs;
import dev.rlhf4j.rm.RewardModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@link RewardModel} in PPO's two roles: the frozen scorer, and the trained critic. */
public final class RewardModels {
    private RewardModels() {}

    /**
     * The frozen scorer, with the model's stored normalisation. It reads each sample exactly as
     * {@code rlhf4j rm score} reads the same prompt and response ({@link RewardInputs}): a text
     * prompt as {@code prompt + response}, a conversation through the chat template, so PPO's score
     * of a sample equals the reward model's score of that sample as a record, and the reward model
     * may have its own tokenizer. An encoder reward model (BERT, RoBERTa, DeBERTa) reads the same
     * text in its own layout ({@link RewardInputs.Layout#ENCODER}). The re-tokenisation runs inside
     * {@link SequenceScorer#scores}, so PPO counts it in {@code time/score}.
     *
     * @param tokenizer the reward model's tokenizer
     */
    public static SequenceScorer scorer(RewardModel rm, Tokenizer tokenizer) {
        rm.setTrainable(false);
        RewardInputs inputs = RewardInputs.forModel(rm, tokenizer, null);
        long pad = rm.padTokenId() >= 0 ? rm.padTokenId() : tokenizer.padId();
        return new SequenceScorer() {
            @Override
            public NDArray scores(NDArray ids, NDArray mask, List<Sample> samples) {
                List<long[]> sequences = new ArrayList<>(samples.size());
                for (Sample s : samples) {
                    sequences.add(input(inputs, s));
                }
                RewardInputs.Batch b = RewardInputs.Batch.of(sequences, pad, ids.getManager());
                return rm.scores(b.ids(), b.mask());
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

    /** The ids the reward model reads for a sample: see {@link #scorer}. */
    static long[] input(RewardInputs inputs, SequenceScorer.Sample s) {
        List<ChatMessage> messages = s.prompt().messages();
        return messages == null
                ? inputs.text(s.prompt().text(), s.response())
                : inputs.conversation(messages, List.of(ChatMessage.assistant(s.response())));
    }

    /**
     * The critic: the reward model's head read at every position (a value per state). It reads the
     * policy's own tokens, one value per token, so it must share the policy's tokenizer, and be a
     * decoder (an encoder reads whole texts, not a value per token).
     */
    public static ValueModel critic(DecoderRewardModel rm, Tokenizer tokenizer) {
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
                try (NDManager m = NDManager.newBaseManager(); DecoderRewardModel saved = DecoderRewardModel.load(dir, m)) {
                    saved.namedParameters().forEach((name, p) ->
                            rm.namedParameters().get(name).getArray().set(p.getArray().toFloatArray()));
                    if (saved.trunk().lora() != null && rm.trunk().lora() != null) { // a critic with adapters
                        saved.trunk().lora().parameters().forEach((name, p) -> rm.trunk().lora().parameters().get(name)
                                .getArray().set(p.getArray().toFloatArray()));
                    }
                }
            }

            @Override
            public void close() {
                rm.close();
            }
        };
    }
}
